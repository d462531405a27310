"""`make demo` run again keeps its generated certificates while they are intact, so that a sandbox seeded
from an earlier run's files keeps accepting them (no AADSTS700027); a damaged world is generated anew."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest
from azure.identity import CertificateCredential
from sandbox_support import AUTOMATION, CONTOSO, GRAPH_SCOPE, azure_kwargs

from entra_profiles.demo import prepare
from entra_profiles.sandbox import Sandbox, example
from entra_profiles.sandbox.example import load_example, write_example


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_write_example_reuses_an_intact_world(tmp_path: Path) -> None:
    first = write_example(tmp_path)
    before = snapshot(tmp_path)
    again = write_example(tmp_path, reuse=True)
    assert again == first
    assert snapshot(tmp_path) == before
    assert write_example(tmp_path).certs["automation"].thumbprint != first.certs["automation"].thumbprint


def test_a_second_demo_keeps_a_running_sandbox_working(tmp_path: Path) -> None:
    root = tmp_path / ".demo"
    seed, env = prepare(root)
    before = snapshot(root)
    with Sandbox(tmp_path / "state", seed) as sb:  # as README's tour starts one from .demo/seed.yaml
        assert prepare(root) == (seed, env)  # make demo, again, while it runs
        assert snapshot(root) == before
        pem = root / "certs" / "contoso-automation.pem"
        with CertificateCredential(CONTOSO, AUTOMATION, str(pem), **azure_kwargs(sb)) as credential:
            assert credential.get_token(GRAPH_SCOPE).token
    assert {p.name for p in (root / "store").iterdir()} == {f"{env['CONTOSO_CERT_THUMBPRINT']}.pfx"}
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in (*root.glob("certs/*"), *root.glob("store/*")))


def test_a_damaged_world_is_generated_anew(tmp_path: Path) -> None:
    root = tmp_path / ".demo"
    _, env = prepare(root)
    key = root / "world" / "keys" / "contoso-automation.pem"
    key.write_bytes(key.read_bytes().replace(b"-----END", b"-----end"))
    assert load_example(root / "world") is None
    _, again = prepare(root)
    assert again["CONTOSO_CERT_THUMBPRINT"] != env["CONTOSO_CERT_THUMBPRINT"]
    assert [p.name for p in (root / "store").iterdir()] == [f"{again['CONTOSO_CERT_THUMBPRINT']}.pfx"]
    assert load_example(root / "world") is not None


def test_an_incomplete_world_is_not_reused(tmp_path: Path) -> None:
    write_example(tmp_path)
    os.remove(tmp_path / "certs" / "automation.pfx")
    assert load_example(tmp_path) is None
    write_example(tmp_path)
    (tmp_path / "manifest.json").write_text("[]")
    assert load_example(tmp_path) is None


def test_a_world_whose_certificates_expire_within_a_day_is_not_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_example(tmp_path)

    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=364, hours=12)  # the certificates last 365 days

    class Clock:
        UTC, timedelta = dt.UTC, dt.timedelta

        class datetime:  # stands in for the datetime module's class
            @staticmethod
            def now(tz: dt.tzinfo | None = None) -> dt.datetime:
                return later

    monkeypatch.setattr(example, "dt", Clock)
    assert load_example(tmp_path) is None
