"""--timeout is a deadline: it bounds everything a profile waits for (Key Vault reads and the vault
reader's sign-in, discovery, token, probe, CI tokens), whatever a server does, and the process exits
as soon as its report is written. Every command that waits has one (export, exec, validate --resolve,
resolve)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from clirunner import Result, run_cli, start_cli
from exportsupport import all_credentials, cli, write_profiles
from runsupport import (
    AUTOMATION,
    FABRIKAM_APP,
    GRACE_S,
    VAULT,
    RunProfiles,
    by_name,
    contoso_secret,
    in_parallel,
    timed,
)

from entra_profiles.sandbox import Sandbox
from entra_profiles.sandbox.example import ExampleWorld

SILENT = {"action": "latency", "delay_ms": 120_000}  # accepts the request, never answers
TRICKLE = {"action": "trickle", "delay_ms": 300}  # a byte every 0.3 s: no read timeout ever fires
VAULTED = contoso_secret("vaulted", f"${{keyvault:{VAULT}/secrets/contoso-app-secret/{'a' * 32}}}")
PLAIN = contoso_secret("plain")


def seconds_column(result: Result, name: str) -> float:
    row = next(line for line in result.out.splitlines() if line.startswith(name + " "))
    found = re.search(r"(\d+\.\d+)s\s*$", row)
    assert found, row
    return float(found.group(1))


@pytest.mark.parametrize(
    ("endpoint", "fault", "waited_for"),
    [
        ("keyvault", SILENT, "the vault"),
        ("managed_identity", TRICKLE, "the managed identity endpoint at {imds} (the system-assigned managed "
         "identity signing in)"),
    ],
)  # fmt: skip
def test_a_silent_vault_or_vault_reader_ends_at_the_deadline(
    run_slow: RunProfiles, slow_box: Sandbox, endpoint: str, fault: dict[str, object], waited_for: str
) -> None:
    slow_box.set_faults({"rules": [{"endpoint": endpoint, **fault}]})
    r, elapsed = timed(lambda: run_slow(VAULTED + PLAIN, "--timeout", "2"))
    assert elapsed < 2 + GRACE_S, r.out
    assert r.code == 1 and "plain    ok" in r.out, r.out
    where = waited_for.format(imds=slow_box.info["imds_authority_host"])
    assert (
        f"vaulted: {r.file}:6:47: profiles.vaulted.credential.secret: Key Vault secret 'contoso-app-secret' in "
        f"{VAULT}: timed out after 2 s waiting for {where}\n  hint: raise --timeout, or check the network\n"
    ) in r.out
    assert seconds_column(r, "vaulted") >= 1.9  # the TIME column counts the wait for the vault


def test_a_trickling_graph_probe_ends_at_the_deadline(run_slow: RunProfiles, slow_box: Sandbox) -> None:
    slow_box.set_faults({"rules": [{"endpoint": "graph", **TRICKLE}]})
    r, elapsed = timed(lambda: run_slow(PLAIN, "--probe", "--timeout", "2", "--format", "json"))
    assert elapsed < 2 + GRACE_S
    assert by_name(r)["plain"]["error"] == {
        "code": "timeout",
        "message": f"timed out after 2 s waiting for Microsoft Graph at {slow_box.info['graph_endpoint']}",
        "hint": "raise --timeout, or check the network",
    }


def test_the_process_exits_once_its_report_is_written(slow_box: Sandbox, tmp_path: Path) -> None:
    """A trickling discovery answer left a worker thread that kept the process (and a CI step) alive."""
    path = tmp_path / "profiles.yaml"
    path.write_text("version: 1\nprofiles:\n" + PLAIN)
    slow_box.set_faults({"rules": [{"endpoint": "discovery", **TRICKLE}]})
    args = ["-f", str(path), "run", "--sandbox", str(slow_box.state_dir), "--timeout", "2"]
    started = time.monotonic()
    proc = start_cli(*args)
    try:
        out, _ = proc.communicate(timeout=2 + GRACE_S)
    finally:
        proc.kill()
    assert time.monotonic() - started < 2 + GRACE_S
    assert proc.returncode == 1
    assert f"timed out after 2 s waiting for the discovery endpoint at {slow_box.info['authority_host']}" in out


def test_export_and_exec_wait_no_longer_than_timeout(slow_box: Sandbox, world: ExampleWorld, tmp_path: Path) -> None:
    profiles = write_profiles(tmp_path, all_credentials(world, tmp_path) + VAULTED)
    env = {"RUNNER_TEMP": str(tmp_path)}
    rules = [{"endpoint": "keyvault", **SILENT}, {"endpoint": "oidc", **TRICKLE}]
    slow_box.set_faults({"rules": [*rules, {"endpoint": "token", "client_id": AUTOMATION, **TRICKLE}]})
    vault = f"Key Vault secret 'contoso-app-secret' in {VAULT}: timed out after 2 s waiting for the vault"
    token = f"timed out after 2 s waiting for the token endpoint at {slow_box.info['authority_host']}"
    cases = {  # command: what its first line of error says
        ("export", "vaulted"): vault,
        ("exec", "vaulted", "--", "true"): vault,
        (
            "export",
            "github",
        ): f"timed out after 2 s waiting for GitHub's OIDC endpoint at {slow_box.info['authority_host']}",
        ("export", "secret", "--check"): token,
        ("export", "secret", "--token"): token,
        ("exec", "secret", "--check", "--", "true"): token,
    }
    commands = list(cases)
    done = in_parallel(
        [lambda c=c: cli(slow_box, profiles, *c[:2], "--timeout", "2", *c[2:], env=env) for c in commands]  # type: ignore[misc]
    )
    for command, (r, elapsed) in zip(commands, done, strict=True):
        assert elapsed < 2 + GRACE_S, command
        assert (r.code, r.out) == (1, ""), (command, r.err)
        assert cases[command] in r.err.splitlines()[0], (command, r.err)


def test_validate_resolve_has_a_deadline(slow_box: Sandbox, tmp_path: Path) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text("version: 1\nprofiles:\n" + VAULTED)
    slow_box.set_faults({"rules": [{"endpoint": "keyvault", **SILENT}]})
    args = ["-f", str(path), "validate", "--resolve", "--timeout", "2", "--sandbox", str(slow_box.state_dir)]
    r, elapsed = timed(lambda: run_cli(*args))
    assert elapsed < 2 + GRACE_S
    assert r.code == 1
    assert r.err.startswith(
        f"{path}:6:47: profiles.vaulted.credential.secret: Key Vault secret 'contoso-app-secret' in {VAULT}: "
        "timed out after 2 s waiting for the vault\n  hint: raise --timeout, or check the network\n"
    ), r.err


@pytest.mark.parametrize(
    ("endpoint", "waited_for"),
    [
        ("keyvault", "the vault"),
        ("token", "the token endpoint at {authority} (profile reader (client id {reader}) signing in)"),
    ],
)
def test_resolve_has_a_deadline(slow_box: Sandbox, tmp_path: Path, endpoint: str, waited_for: str) -> None:
    """resolve had no --timeout: a silent vault held it for the 60 s of the default."""
    path = tmp_path / "profiles.yaml"
    reader = "    keyvault_credential: profile:reader\n"
    path.write_text(
        "version: 1\nprofiles:\n"
        + contoso_secret("vaulted", f"${{keyvault:{VAULT}/secrets/contoso-app-secret/{'a' * 32}}}", reader)
        + f"  reader:\n    tenant: fabrikam.onmicrosoft.com\n    client_id: {FABRIKAM_APP}\n"
        "    credential: {type: client_secret, secret: sandbox-secret-fabrikam-1}\n"
    )
    slow_box.set_faults({"rules": [{"endpoint": endpoint, **SILENT}]})
    args = ["-f", str(path), "resolve", "vaulted", "--timeout", "2", "--sandbox", str(slow_box.state_dir)]
    r, elapsed = timed(lambda: run_cli(*args))
    assert elapsed < 2 + GRACE_S
    where = waited_for.format(authority=slow_box.info["authority_host"], reader=FABRIKAM_APP)
    assert (r.code, r.out, r.err) == (
        1,
        "",
        f"{path}:6:47: profiles.vaulted.credential.secret: Key Vault secret 'contoso-app-secret' in {VAULT}: "
        f"timed out after 2 s waiting for {where}\n  hint: raise --timeout, or check the network\n"
        "1 problem found\n",
    )


def test_a_profile_reader_signing_in_counts_against_the_deadline(run_slow: RunProfiles, slow_box: Sandbox) -> None:
    reader = "    keyvault_credential: profile:reader\n"
    profiles = contoso_secret("vaulted", f"${{keyvault:{VAULT}/secrets/contoso-app-secret/{'a' * 32}}}", reader) + (
        f"  reader:\n    tenant: fabrikam.onmicrosoft.com\n    client_id: {FABRIKAM_APP}\n"
        "    credential: {type: client_secret, secret: sandbox-secret-fabrikam-1}\n"
    )
    slow_box.set_faults({"rules": [{"endpoint": "token", "client_id": FABRIKAM_APP, **SILENT}]})
    r, elapsed = timed(lambda: run_slow(profiles, "vaulted", "--timeout", "2", "--format", "json"))
    assert elapsed < 2 + GRACE_S
    error = by_name(r)["vaulted"]["error"]
    assert error["code"] == "timeout"
    assert error["message"].endswith(
        f"timed out after 2 s waiting for the token endpoint at {slow_box.info['authority_host']} "
        f"(profile reader (client id {FABRIKAM_APP}) signing in)"
    ), error


def test_a_server_that_never_finishes_the_handshake_is_bounded_by_timeout(tmp_path: Path) -> None:
    """A listener that never accepts: TCP connects (the backlog) and the TLS handshake waits forever, where
    no watchdog reaches the socket yet. export/exec --check and --token used a 10 s connect timeout whatever
    --timeout said (found by an independent check: 10.4 s with --timeout 2)."""
    import socket

    with socket.socket() as stalled:
        stalled.bind(("127.0.0.1", 0))
        stalled.listen(8)
        port = stalled.getsockname()[1]
        path = tmp_path / "profiles.yaml"
        path.write_text(
            f"""version: 1
clouds:
  dead:
    authority_host: https://127.0.0.1:{port}
    graph_endpoint: https://127.0.0.1:{port}
    keyvault_suffix: vault.lab.test
profiles:
  g:
    tenant: 7f0c1c5e-3d2a-4b8e-9f10-0a1b2c3d4e5f
    client_id: {AUTOMATION}
    cloud: dead
    credential: {{type: client_secret, secret: not-a-real-secret}}
"""
        )
        commands = [
            ("export", "g", "--check"),
            ("export", "g", "--token"),
            ("exec", "g", "--check", "--", "true"),
            ("run", "g"),
        ]
        done = in_parallel(
            [lambda c=c: run_cli("-f", str(path), *c[:2], "--timeout", "2", *c[2:], timeout=60) for c in commands]  # type: ignore[misc]
        )
    for command, (r, elapsed) in zip(commands, done, strict=True):
        assert r.code == 1, (command, r.err)
        assert "timed out after 2 s" in r.out + r.err, (command, r.out, r.err)
        assert elapsed < 2 + 6, (command, elapsed)  # was 10.4 s: the connect timeout's default
