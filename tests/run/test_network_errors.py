"""Network failures in one line a person can read: the endpoint, the cause class (DNS, refused, proxy,
TLS, timeout) and a hint that fits it; for the token service, Key Vault and the CI's OIDC endpoint."""

from __future__ import annotations

from pathlib import Path

from clirunner import run_cli
from exportsupport import write_profiles
from runsupport import AUTOMATION, CONTOSO, by_name, dead_port, dead_proxy

from entra_profiles.sandbox import Sandbox

LAB = """clouds:
  lab:
    authority_host: {authority}
    graph_endpoint: https://graph.lab.contoso.example
    keyvault_suffix: vault.lab.contoso.example
    ca_bundle: {ca}
"""


def lab_profiles(tmp_path: Path, authority: str, ca: str) -> Path:
    path = tmp_path / "profiles.yaml"
    path.write_text(
        "version: 1\n"
        + LAB.format(authority=authority, ca=ca)
        + f"""profiles:
  lab:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    cloud: lab
    credential: {{type: client_secret, secret: sandbox-secret-contoso-1}}
  vaulted:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    cloud: lab
    keyvault_credential: profile:lab
    credential: {{type: client_secret, secret: "${{keyvault:https://ops.vault.lab.contoso.example/secrets/s}}"}}
"""
    )
    return path


def test_connection_refused(box: Sandbox, tmp_path: Path) -> None:
    port = dead_port()
    path = lab_profiles(tmp_path, f"https://127.0.0.1:{port}", box.info["ca_bundle"])
    r = run_cli("-f", str(path), "run", "lab", "--format", "json")
    assert by_name(r)["lab"]["error"] == {
        "code": "refused",
        "message": f"cannot reach the discovery endpoint at https://127.0.0.1:{port}: connection refused by "
        f"127.0.0.1:{port}",
        "hint": "nothing listens at that host and port: check the endpoint URL",
    }


def test_a_proxy_that_refuses(box: Sandbox, tmp_path: Path) -> None:
    """Nothing leaves loopback: the requests for *.example hosts go to the proxy, which is down."""
    environ = dead_proxy()
    proxy = environ["HTTPS_PROXY"]
    path = lab_profiles(tmp_path, "https://login.lab.contoso.example", box.info["ca_bundle"])
    r = run_cli("-f", str(path), "run", "--format", "json", env=environ)
    assert "network guard" not in r.err
    hint = "check HTTPS_PROXY, or list {} in NO_PROXY; a sandbox on loopback is never proxied"
    assert by_name(r)["lab"]["error"] == {
        "code": "proxy",
        "message": "cannot reach the discovery endpoint at https://login.lab.contoso.example: "
        f"the proxy {proxy} (from HTTPS_PROXY) refused the connection",
        "hint": hint.format("login.lab.contoso.example"),
    }
    assert by_name(r)["vaulted"]["error"] == {
        "code": "proxy",
        "message": f"{path}:19:47: profiles.vaulted.credential.secret: Key Vault secret 's' in "
        "https://ops.vault.lab.contoso.example: cannot reach the vault: "
        f"the proxy {proxy} (from HTTPS_PROXY) refused the connection",
        "hint": hint.format("ops.vault.lab.contoso.example"),
    }
    github = write_profiles(  # a GUID tenant: export needs no discovery to hand it over
        tmp_path, f"  github:\n    tenant: {CONTOSO}\n    client_id: {AUTOMATION}\n"
        "    credential: {type: workload_identity, github: true}\n"
    )  # fmt: skip
    ci = {"ACTIONS_ID_TOKEN_REQUEST_URL": "https://token.actions.example/idtoken?api-version=2.0",
          "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token"}  # fmt: skip
    r = run_cli("-f", str(github), "export", "github", env={**environ, **ci})
    assert (r.code, r.out) == (1, "")
    assert r.err == (
        "error: cannot reach GitHub's OIDC endpoint at https://token.actions.example: "
        f"the proxy {proxy} (from HTTPS_PROXY) refused the connection\n"
        f"  hint: {hint.format('token.actions.example')}\n"
    )
