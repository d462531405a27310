"""Against a sandbox whose world is empty (started without --seed) or lacks the profile's tenant, a failure
that says something is not there — tenant (AADSTS90002), identity, Key Vault secret — says why in its hint,
for run and export alike (sandbox.json records `seeded` and the world's tenants)."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
from clirunner import Result, run_cli
from runsupport import AUTOMATION, CONTOSO, by_name

from entra_profiles.sandbox import Sandbox

VAULT = "https://contoso-ops.vault.azure.net"
PROFILES = f"""version: 1
profiles:
  secret:
    tenant: {CONTOSO}
    client_id: {AUTOMATION}
    credential: {{type: client_secret, secret: sandbox-secret-contoso-1}}
  identity:
    tenant: {CONTOSO}
    credential: {{type: managed_identity}}
  vaulted:
    tenant: {CONTOSO}
    client_id: {AUTOMATION}
    credential: {{type: client_secret, secret: "${{keyvault:{VAULT}/secrets/app-secret}}"}}
  nowhere:
    tenant: nowhere.onmicrosoft.com
    client_id: {AUTOMATION}
    credential: {{type: client_secret, secret: sandbox-secret-contoso-1}}
"""


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with Sandbox(tmp_path_factory.mktemp("empty-world")) as sb:
        yield sb


@pytest.fixture
def profiles(tmp_path: Path) -> Path:
    path = tmp_path / "profiles.yaml"
    path.write_text(PROFILES, encoding="utf-8")
    return path


def run(profiles: Path, sandbox: Sandbox, *names: str) -> Result:
    return run_cli("-f", str(profiles), "run", *names, "--sandbox", str(sandbox.state_dir), "--format", "json")


def empty_hint(sandbox: Sandbox) -> str:
    where = shlex.quote(str(sandbox.state_dir))
    return (
        f"the sandbox in {sandbox.state_dir} was started without --seed: its world is empty; restart it with "
        f"entra-profiles sandbox serve --state-dir {where} --seed SEED.yaml (`make demo` writes one to .demo/seed.yaml)"
    )


def test_sandbox_json_says_whether_the_world_was_seeded(empty: Sandbox, box: Sandbox) -> None:
    written = json.loads((empty.state_dir / "sandbox.json").read_text())
    assert (written["seeded"], written["tenants"]) == (False, [])
    assert box.info["seeded"] is True and CONTOSO in {t["id"] for t in box.info["tenants"]}


def test_every_not_there_failure_in_an_empty_world_says_it_is_empty(empty: Sandbox, profiles: Path) -> None:
    r = run(profiles, empty, "secret", "identity", "vaulted")
    got = by_name(r)
    assert {n: (p["error"]["code"], p["error"]["hint"]) for n, p in got.items()} == {
        "secret": ("AADSTS90002", empty_hint(empty)),
        "identity": ("http_400", empty_hint(empty)),
        "vaulted": ("keyvault_not_found", empty_hint(empty)),
    }
    assert got["identity"]["error"]["message"].endswith("answered HTTP 400: Identity not found")


def test_export_of_a_domain_tenant_in_an_empty_world(empty: Sandbox, profiles: Path) -> None:
    r = run_cli("-f", str(profiles), "export", "nowhere", "--sandbox", str(empty.state_dir))
    assert (r.code, r.out) == (1, "")
    assert r.err == (
        "error: nowhere: cannot resolve tenant 'nowhere.onmicrosoft.com' to its GUID: AADSTS90002: tenant not found\n"
        f"  hint: {empty_hint(empty)}\n"
    )


def test_a_tenant_the_seed_lacks_is_named_with_those_it_has(box: Sandbox, profiles: Path) -> None:
    has = ", ".join(t["domains"][0] if t["domains"] else t["id"] for t in box.info["tenants"])
    hint = (
        f"the sandbox's seed has no tenant nowhere.onmicrosoft.com (it has: {has}): add the tenant there, "
        "or use another sandbox"
    )
    r = run(profiles, box, "nowhere")
    assert by_name(r)["nowhere"]["error"] == {
        "code": "AADSTS90002",
        "message": "AADSTS90002: tenant not found",
        "hint": hint,
    }
    exported = run_cli("-f", str(profiles), "export", "nowhere", "--sandbox", str(box.state_dir))
    assert exported.err.endswith(f"  hint: {hint}\n")


def test_a_world_that_has_the_tenant_keeps_the_usual_hints(box: Sandbox, profiles: Path) -> None:
    r = run(profiles, box, "vaulted")
    assert by_name(r)["vaulted"]["error"]["hint"] == "check the secret name and version, and the vault"


def test_the_seed_file_is_named(tmp_path: Path) -> None:
    from entra_profiles.routing import SandboxInfo, SandboxTenant

    info = SandboxInfo("https://127.0.0.1:1", "", "", "", "", "", "", None, None, directory=str(tmp_path))
    seeded = [SandboxTenant(f"{i:08d}-0000-4000-8000-000000000000", (f"t{i}.example",)) for i in range(7)]
    info = SandboxInfo(**{**info.__dict__, "seed": "/seeds/lab.yaml", "seeded": True, "tenants": tuple(seeded)})
    assert info.world_gap("t3.EXAMPLE") is None  # a domain, in any case
    assert info.world_gap(seeded[6].id.upper()) is None  # a GUID, in any case
    assert info.world_gap("other.example") == (
        "the sandbox's seed /seeds/lab.yaml has no tenant other.example (it has: t0.example, t1.example, "
        "t2.example, t3.example, t4.example, and 2 more): add the tenant there, or use another sandbox"
    )
    unknown = SandboxInfo(**{**info.__dict__, "seeded": None, "tenants": None})  # an older sandbox.json
    assert unknown.world_gap("other.example") is None
