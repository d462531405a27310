"""Starting and stopping (Python API and CLI), TLS strictness, sandbox.json, the seed, the request log."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml
from azure.identity import CertificateCredential, ClientSecretCredential
from azure.keyvault.secrets import SecretClient
from pydantic import ValidationError
from sandbox_support import (
    AUTOMATION,
    AUTOMATION_SECRET,
    CONTOSO,
    GRAPH_SCOPE,
    azure_kwargs,
    ci_token,
    session,
    vault_url,
)

from entra_profiles.sandbox import Sandbox
from entra_profiles.sandbox.example import ExampleWorld
from entra_profiles.sandbox.seed import load_seed

REPO = Path(__file__).resolve().parents[2]
INFO_KEYS = {
    "authority_host", "ca_bundle", "port", "pid", "graph_endpoint", "keyvault_url", "imds_authority_host",
    "identity_endpoint", "identity_header", "oidc_request_url", "oidc_request_token", "azure_pipelines_oidc_url",
    "azure_pipelines_access_token", "ci_issuer", "admin_token", "request_log",
}  # fmt: skip


def test_info_file(sb: Sandbox) -> None:
    on_disk = json.loads((sb.state_dir / "sandbox.json").read_text())
    assert on_disk == sb.info
    assert set(on_disk) >= INFO_KEYS
    assert on_disk["authority_host"] == sb.url == f"https://127.0.0.1:{on_disk['port']}"
    assert on_disk["pid"] == os.getpid()
    assert "{name}" in on_disk["keyvault_url"] and "?" in on_disk["oidc_request_url"]
    assert Path(on_disk["ca_bundle"]).is_absolute()


def test_strict_tls_verification(sb: Sandbox) -> None:
    context = ssl.create_default_context(cafile=sb.info["ca_bundle"])
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    for host in ("127.0.0.1", "localhost"):
        with (
            socket.create_connection(("127.0.0.1", sb.info["port"]), timeout=5) as raw,
            context.wrap_socket(raw, server_hostname=host) as conn,
        ):
            assert conn.version() in ("TLSv1.2", "TLSv1.3")


def test_restart_reuses_ca_and_removes_info(tmp_path: Path) -> None:
    with Sandbox(tmp_path, seed=None) as first:
        ca = Path(first.info["ca_bundle"]).read_bytes()
        with session(first) as http:  # an empty world: every tenant is unknown
            response = http.get(f"{first.url}/{CONTOSO}/v2.0/.well-known/openid-configuration", timeout=5)
            assert response.json()["error_codes"] == [90002]
    assert not (tmp_path / "sandbox.json").exists()
    with Sandbox(tmp_path, seed={"tenants": [{"id": CONTOSO}]}) as second:
        assert Path(second.info["ca_bundle"]).read_bytes() == ca
        with session(second) as http:
            assert http.get(f"{second.url}/{CONTOSO}/v2.0/.well-known/openid-configuration", timeout=5).ok


def test_issue_seed_is_accepted_verbatim(example_world: ExampleWorld) -> None:
    data = yaml.safe_load(example_world.seed.read_text())
    seed = load_seed(data)
    assert [t.display_name for t in seed.tenants] == ["Contoso", "Fabrikam"]
    data["tenants"][0]["apps"][0]["colour"] = "blue"
    with pytest.raises(ValidationError, match="colour"):
        load_seed(data)


def test_request_log_never_holds_secrets(sb: Sandbox, example_world: ExampleWorld, tmp_path: Path) -> None:
    used: list[str] = [AUTOMATION_SECRET, sb.info["admin_token"], sb.info["identity_header"]]
    used += [sb.info["oidc_request_token"], sb.info["azure_pipelines_access_token"]]
    with ClientSecretCredential(CONTOSO, AUTOMATION, AUTOMATION_SECRET, **azure_kwargs(sb)) as credential:
        used.append(credential.get_token(GRAPH_SCOPE).token)
        with SecretClient(
            vault_url(sb, "contoso-ops"), credential, verify_challenge_resource=False,
            connection_verify=sb.info["ca_bundle"],
        ) as client:  # fmt: skip
            used.append(client.get_secret("fabrikam-secret").value or "")
    pem = str(example_world.certs["contoso-automation"].pem)
    with CertificateCredential(CONTOSO, AUTOMATION, pem, **azure_kwargs(sb)) as cert_credential:
        used.append(cert_credential.get_token(GRAPH_SCOPE).token)
    used.append(ci_token(sb))
    with session(sb) as http:  # a secret pasted into client_id by mistake
        form = {"grant_type": "client_credentials", "client_id": "sandbox-secret-pasted", "scope": GRAPH_SCOPE}
        http.post(f"{sb.url}/{CONTOSO}/oauth2/v2.0/token", data=form, timeout=5)
        used.append("sandbox-secret-pasted")
    log = Path(sb.info["request_log"]).read_text()
    assert AUTOMATION in log and "sandbox-secret" not in log
    for value in used:
        assert value and value not in log
        assert value.split(".")[-1] not in log  # not even a token's signature
    record = sb.request_log()[-1]
    assert set(record) >= {"time", "method", "path", "tenant", "status", "latency_ms"}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "tests" / "netguard"), str(REPO)])
    return env


def test_cli_serves_until_sigterm(example_world: ExampleWorld, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "entra_profiles.sandbox", "serve", "--state-dir", str(tmp_path)]
    process = subprocess.Popen([*command, "--seed", str(example_world.seed)], env=_env(), stderr=subprocess.PIPE)
    info_file = tmp_path / "sandbox.json"
    try:
        deadline = time.monotonic() + 20
        while not info_file.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        info = json.loads(info_file.read_text())
        assert info["pid"] == process.pid
        with requests.Session() as http:
            http.trust_env = False
            assert http.get(info["admin_url"] + "/health", verify=info["ca_bundle"], timeout=5).ok
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=15)
    assert process.returncode == 0, stderr
    assert not info_file.exists()


def test_cli_module_imports_only_click() -> None:
    code = (
        "import sys; import entra_profiles.sandbox.cli; "
        "heavy = {'cryptography', 'jwt', 'pydantic', 'msal', 'azure', 'yaml'} & set(sys.modules); "
        "print(sorted(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
