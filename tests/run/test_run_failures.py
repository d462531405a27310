"""`run` when the service misbehaves or the client is misconfigured: retries, TLS, timeouts, isolation."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from clirunner import start_cli
from runsupport import AUTOMATION, CONTOSO, RunProfiles, by_name
from testenv import scrubbed_environ

from entra_profiles.sandbox import Sandbox
from entra_profiles.sandbox.pki import ensure_tls

FABRIKAM_APP = "6d7e8f90-a1b2-4c3d-9e4f-5a6b7c8d9e0f"
TWO = f"""  contoso:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    credential: {{type: client_secret, secret: sandbox-secret-contoso-1}}
  fabrikam:
    tenant: fabrikam.onmicrosoft.com
    client_id: {FABRIKAM_APP}
    credential: {{type: client_secret, secret: sandbox-secret-fabrikam-1}}
"""


def token_requests(box: Sandbox, tenant: str) -> list[dict[str, object]]:
    """Token requests for a tenant (a faulted request is logged before its client id is read)."""
    return [r for r in box.request_log() if str(r.get("path")).startswith(f"/{tenant}/oauth2/v2.0/token")]


def test_throttled_then_success_honours_retry_after(run_profiles: RunProfiles, box: Sandbox) -> None:
    box.set_faults(
        {
            "rules": [
                {
                    "action": "status",
                    "status": 429,
                    "retry_after": 1,
                    "endpoint": "token",
                    "client_id": AUTOMATION,
                    "count": 2,
                }
            ]
        }
    )
    before = token_requests(box, CONTOSO)
    r = run_profiles(TWO, "--format", "json")
    assert r.code == 0, r.out
    new = token_requests(box, CONTOSO)[len(before) :]
    assert [rec["status"] for rec in new] == [429, 429, 200]


def test_server_errors_until_retries_run_out_fail_only_that_profile(run_profiles: RunProfiles, box: Sandbox) -> None:
    box.set_faults({"rules": [{"action": "status", "status": 503, "endpoint": "token", "client_id": AUTOMATION}]})
    r = run_profiles(TWO, "--format", "json", "--retries", "2")
    got = by_name(r)
    assert r.code == 1
    assert got["contoso"]["error"]["code"] == "http_503", got["contoso"]["error"]
    assert got["contoso"]["error"]["message"].endswith("answered HTTP 503")
    assert got["fabrikam"]["status"] == "ok" and got["fabrikam"]["context"]["AppName"] == "Fabrikam Reporting"


def test_ca_bundle_that_does_not_sign_the_server(box: Sandbox, tmp_path: Path) -> None:
    (tmp_path / "other-ca").mkdir()
    other = ensure_tls(tmp_path / "other-ca")
    profiles = tmp_path / "profiles.yaml"
    profiles.write_text(f"""version: 1
clouds:
  lab:
    authority_host: {box.info["authority_host"]}
    graph_endpoint: {box.info["graph_endpoint"]}
    keyvault_suffix: vault.lab.example
    ca_bundle: {other.ca_cert}
profiles:
  lab:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    cloud: lab
    credential: {{type: client_secret, secret: sandbox-secret-contoso-1}}
""")
    from clirunner import run_cli

    # REQUESTS_CA_BUNDLE pointing at the right CA must not override the cloud's own CA bundle.
    r = run_cli("-f", str(profiles), "run", "--format", "json", env={"REQUESTS_CA_BUNDLE": box.info["ca_bundle"]})
    assert r.code == 1
    assert by_name(r)["lab"]["error"] == {
        "code": "tls",
        "message": f"TLS verification failed for the discovery endpoint at {box.info['authority_host']}: "
        f"its certificate is not signed by a CA in {other.ca_cert}",
        "hint": "for a custom cloud set ca_bundle to the CA that signs the server; verification is never switched off",
    }
    profiles.write_text(profiles.read_text().replace(str(other.ca_cert), box.info["ca_bundle"]))
    assert run_cli("-f", str(profiles), "run").code == 0


def test_timeout_names_the_endpoint(run_profiles: RunProfiles, box: Sandbox) -> None:
    box.set_faults({"rules": [{"action": "slow", "delay_ms": 5000, "endpoint": "token", "client_id": AUTOMATION}]})
    r = run_profiles(TWO, "--format", "json", "--timeout", "1.5", "--retries", "0")
    got = by_name(r)
    assert got["contoso"]["error"]["code"] == "timeout"
    assert got["contoso"]["error"]["message"] == (
        f"timed out after 1.5 s waiting for the token endpoint at {box.info['authority_host']}"
    )
    assert got["fabrikam"]["status"] == "ok"


def test_connection_reset_is_retried(run_profiles: RunProfiles, box: Sandbox) -> None:
    box.set_faults({"rules": [{"action": "reset", "endpoint": "token", "client_id": AUTOMATION, "count": 1}]})
    r = run_profiles(TWO, "--format", "json")
    assert r.code == 0, r.out


def test_progress_on_a_terminal_only(box: Sandbox, tmp_path: Path) -> None:
    import os
    import pty

    path = tmp_path / "profiles.yaml"
    path.write_text("version: 1\nprofiles:\n" + TWO)
    master, slave = pty.openpty()
    proc = subprocess.run(
        [sys.executable, "-m", "entra_profiles", "-f", str(path), "run", "--sandbox", str(box.state_dir)],
        env=scrubbed_environ(),
        stdout=subprocess.PIPE,
        stderr=slave,
        timeout=60,
        check=False,
    )
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert proc.returncode == 0
    assert b"]  2/2" in seen and b"2/2" not in proc.stdout


def test_a_tenants_discovery_is_fetched_once_per_run(run_profiles: RunProfiles, box: Sandbox) -> None:
    profiles = "".join(
        f"""  p{i}:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    credential: {{type: client_secret, secret: sandbox-secret-contoso-1}}
"""
        for i in range(12)
    )
    before = len(box.request_log())
    r = run_profiles(profiles, "--format", "json")
    assert r.code == 0, r.out[-400:]
    paths = [str(rec["path"]) for rec in box.request_log()[before:]]
    assert paths.count("/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration") == 1
    assert len([p for p in paths if p.endswith("/oauth2/v2.0/token")]) == 12


@pytest.mark.parametrize(
    ("endpoint", "command"),
    [("token", ["run", "contoso"]), ("keyvault", ["validate", "--resolve", "vaulted"])],
)
def test_ctrl_c_ends_at_once_while_a_server_is_slow(
    box: Sandbox, tmp_path: Path, endpoint: str, command: list[str]
) -> None:
    vaulted = (
        f"  vaulted:\n    tenant: contoso.onmicrosoft.com\n    client_id: {AUTOMATION}\n"
        "    keyvault_credential: profile:contoso\n"
        "    credential: {type: client_secret, secret: '${keyvault:https://contoso-ops.vault.azure.net/secrets/x}'}\n"
    )
    path = tmp_path / "profiles.yaml"
    path.write_text("version: 1\nprofiles:\n" + TWO + vaulted)
    box.set_faults({"rules": [{"endpoint": endpoint, "client_id": AUTOMATION, "action": "latency", "delay_ms": 60000}]})
    logged = len(box.request_log())  # earlier tests' answers do not count: only this process's
    args = ["-f", str(path), *command[:1], "--sandbox", str(box.state_dir), *command[1:]]
    ours = start_cli(*args)
    try:
        deadline = time.monotonic() + 20
        before = {"token": "discovery", "keyvault": "token"}[endpoint]  # answered just before the slow one
        while not any(r.get("kind") == before and r.get("status") == 200 for r in box.request_log()[logged:]):
            assert ours.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.5)  # the slow request is on its way
        ours.send_signal(signal.SIGINT)
        _, err = ours.communicate(timeout=20)  # well before the server's minute is up
    finally:
        box.set_faults({"rules": []})
        if ours.poll() is None:
            ours.kill()
    assert (ours.returncode, err.strip()) == (130, "interrupted"), err
