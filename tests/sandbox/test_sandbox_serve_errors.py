"""`sandbox serve` mistakes are usage errors that never echo a value from the seed."""

from __future__ import annotations

from pathlib import Path

import pytest
from clirunner import run_cli

SECRET = "SEED-SECRET-never-printed-7f3a"


LOOPBACK_HINT = "  hint: the sandbox listens on loopback only: --host 127.0.0.1 (the default), ::1 or localhost"
SEED_HINT = "  hint: fix the seed; its format is in docs/sandbox.md (The seed)"


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ("foo", "error: --host 'foo' is not an IP address (or localhost)"),
        ("10.0.0.1", "error: --host 10.0.0.1 is not a loopback address"),
    ],
)
def test_a_bad_host_is_a_usage_error(tmp_path: Path, host: str, message: str) -> None:
    r = run_cli("sandbox", "serve", "--state-dir", str(tmp_path / "state"), "--host", host, timeout=30)
    assert (r.code, r.out, r.err) == (2, "", f"{message}\n{LOOPBACK_HINT}\n")


def test_an_invalid_seed_names_fields_but_never_their_values(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(
        "tenants:\n"
        "  - id: 11111111-1111-1111-1111-111111111111\n"
        "    domains: [contoso.onmicrosoft.com]\n"
        "    apps:\n"
        "      - client_id: 0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811\n"
        f"        secrets: [{SECRET}]\n"
        f"        unknown_key: {SECRET}\n"
    )
    r = run_cli("sandbox", "serve", "--state-dir", str(tmp_path / "state"), "--seed", str(seed), timeout=30)
    assert (r.code, r.out) == (2, "")
    assert SECRET not in r.out + r.err and "input_value" not in r.err
    assert r.err == (
        f"error: invalid seed {seed}: "
        "tenants.0.apps.0.secrets.0: Input should be a valid dictionary or instance of AppSecret; "
        "tenants.0.apps.0.unknown_key: Extra inputs are not permitted\n"
        f"{SEED_HINT}\n"
    )


def test_a_seed_that_is_not_yaml_is_reported_without_quoting_it(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(f"tenants: [x\nsecret: {SECRET}\n")
    r = run_cli("sandbox", "serve", "--state-dir", str(tmp_path / "state"), "--seed", str(seed), timeout=30)
    assert (r.code, r.out) == (2, "")
    assert SECRET not in r.out + r.err
    assert r.err == f"error: invalid seed {seed}: line 2, column 7: expected ',' or ']', but got ':'\n{SEED_HINT}\n"


def test_a_date_that_does_not_exist_is_a_seed_error(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("tenants:\n  - id: 11111111-1111-1111-1111-111111111111\n    created: 2020-13-01\n")
    r = run_cli("sandbox", "serve", "--state-dir", str(tmp_path / "state"), "--seed", str(seed), timeout=30)
    assert (r.code, r.out) == (2, "")
    assert r.err.startswith(f"error: invalid seed {seed}: a value YAML reads as a date is not one (")
    assert r.err.endswith(f"\n{SEED_HINT}\n")
