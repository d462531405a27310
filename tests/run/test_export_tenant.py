"""Exports name the tenant by its GUID: Key Vault's challenge names the GUID, and azure-identity (Python and
Node) refuses a credential configured with the domain. A domain is resolved once, from the token's `tid`
when export got a token anyway, else from OpenID discovery; without either, export says what to do."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from exportsupport import all_credentials, cli, contoso, write_profiles
from runsupport import AUTOMATION, CONTOSO, dead_proxy

from entra_profiles.sandbox import Sandbox
from entra_profiles.sandbox.example import ExampleWorld

DISCOVERY = "/v2.0/.well-known/openid-configuration"
OR_A_GUID = "or set tenant: to the tenant's GUID, which other tools need (Key Vault's challenge names it)"


def discoveries(box: Sandbox, since: int) -> list[str]:
    return [r["path"] for r in box.request_log()[since:] if r["path"].endswith(DISCOVERY)]


def test_a_domain_is_resolved_by_one_discovery_request(box: Sandbox, world: ExampleWorld, tmp_path: Path) -> None:
    profiles = write_profiles(tmp_path, all_credentials(world, tmp_path))
    seen = len(box.request_log())
    r = cli(box, profiles, "export", "secret", "--format", "json", "--vars", "all")
    assert r.code == 0, r.err
    exported = json.loads(r.out)
    assert exported["AZURE_TENANT_ID"] == exported["ARM_TENANT_ID"] == CONTOSO
    assert discoveries(box, seen) == [f"/contoso.onmicrosoft.com{DISCOVERY}"]


def test_a_guid_is_handed_over_as_given_lower_case_without_asking(
    box: Sandbox, world: ExampleWorld, tmp_path: Path
) -> None:
    body = f"""  upper:
    tenant: {CONTOSO.upper()}
    client_id: {AUTOMATION}
    credential: {{type: client_secret, secret: "${{env:APP_SECRET}}"}}
"""
    profiles = write_profiles(tmp_path, body)
    seen = len(box.request_log())
    r = cli(box, profiles, "export", "upper", "--format", "json")
    assert (r.code, json.loads(r.out)["AZURE_TENANT_ID"]) == (0, CONTOSO)
    assert discoveries(box, seen) == []


def test_check_and_token_take_the_tokens_tenant(box: Sandbox, world: ExampleWorld, tmp_path: Path) -> None:
    profiles = write_profiles(tmp_path, all_credentials(world, tmp_path))
    for flag in ("--check", "--token"):
        seen = len(box.request_log())
        r = cli(box, profiles, "export", "store-cert", "--format", "json", flag)
        assert (r.code, json.loads(r.out)["AZURE_TENANT_ID"]) == (0, CONTOSO), r.err
        assert len(discoveries(box, seen)) == 1, flag  # msal's own, for the token; none of ours


def test_an_unknown_domain_is_entras_answer(box: Sandbox, tmp_path: Path) -> None:
    body = contoso("nowhere", '{type: client_secret, secret: "x"}')
    profiles = write_profiles(tmp_path, body.replace("contoso.onmicrosoft.com", "nowhere.onmicrosoft.com"))
    r = cli(box, profiles, "export", "nowhere")
    assert (r.code, r.out) == (1, "")
    has = ", ".join(t["domains"][0] if t["domains"] else t["id"] for t in box.info["tenants"])
    assert r.err == (  # the sandbox's world is named: its seed has no such tenant
        "error: nowhere: cannot resolve tenant 'nowhere.onmicrosoft.com' to its GUID: AADSTS90002: tenant not found\n"
        f"  hint: the sandbox's seed has no tenant nowhere.onmicrosoft.com (it has: {has}): add the tenant there, "
        "or use another sandbox\n"
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens once it is closed


def test_offline_a_domain_tenant_needs_discovery_or_a_guid(tmp_path: Path) -> None:
    from clirunner import run_cli

    port = closed_port()
    profiles = tmp_path / "profiles.yaml"
    profiles.write_text(
        f"""version: 1
clouds:
  offline:
    authority_host: https://127.0.0.1:{port}
    graph_endpoint: https://127.0.0.1:{port}
    keyvault_suffix: vault.offline.example
profiles:
  prod:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    cloud: offline
    credential: {{type: client_secret, secret: "${{env:APP_SECRET}}"}}
""",
        encoding="utf-8",
    )
    r = run_cli("-f", str(profiles), "export", "prod", env={"APP_SECRET": "s"})
    assert (r.code, r.out) == (1, "")
    assert r.err == (  # in the words `run` uses for the same failure
        "error: prod: cannot resolve tenant 'contoso.onmicrosoft.com' to its GUID: cannot reach the discovery "
        f"endpoint at https://127.0.0.1:{port}: connection refused by 127.0.0.1:{port}\n"
        f"  hint: nothing listens at that host and port: check the endpoint URL; {OR_A_GUID}\n"
    )
    assert "AZURE_CLIENT_SECRET" not in r.err


def test_a_dead_proxy_is_named_with_the_no_proxy_hint(tmp_path: Path) -> None:
    """The discovery request for a Global tenant goes to the proxy (down): nothing leaves loopback."""
    from clirunner import run_cli

    environ = {**dead_proxy(), "APP_SECRET": "s"}
    profiles = write_profiles(tmp_path, contoso("prod", '{type: client_secret, secret: "${env:APP_SECRET}"}'))
    r = run_cli("-f", str(profiles), "export", "prod", env=environ)
    assert (r.code, r.out) == (1, "")
    assert "network guard" not in r.err
    assert r.err == (
        "error: prod: cannot resolve tenant 'contoso.onmicrosoft.com' to its GUID: cannot reach the discovery "
        f"endpoint at https://login.microsoftonline.com: the proxy {environ['HTTPS_PROXY']} (from HTTPS_PROXY) "
        "refused the connection\n"
        "  hint: check HTTPS_PROXY, or list login.microsoftonline.com in NO_PROXY; a sandbox on loopback is never "
        f"proxied; {OR_A_GUID}\n"
    )


def test_dns_and_timeouts_are_told_as_run_tells_them(tmp_path: Path) -> None:
    """A name that does not resolve, as urllib3 raises it (tests never resolve names beyond loopback), and the
    command's deadline passing."""
    from urllib3.connection import HTTPSConnection
    from urllib3.exceptions import MaxRetryError, NameResolutionError

    from entra_profiles.clouds import BUILTIN
    from entra_profiles.deadlines import Deadline, DeadlineExceeded
    from entra_profiles.exports.tenant import unreachable
    from entra_profiles.routing import route_for

    route = route_for(BUILTIN["Global"], None)
    url = f"https://login.microsoftonline.com/contoso.onmicrosoft.com{DISCOVERY}"
    failed = NameResolutionError("login.microsoftonline.com", HTTPSConnection("x"), socket.gaierror(-2, "unknown"))
    dns = unreachable(MaxRetryError(None, "/", failed), url, route, Deadline.start(5), "prod: cannot resolve")  # type: ignore[arg-type]
    assert dns.format() == (
        "prod: cannot resolve: cannot reach the discovery endpoint at https://login.microsoftonline.com: the host "
        "name login.microsoftonline.com does not resolve (DNS failure)\n"
        "  hint: check the host name in the profile's cloud and this machine's DNS; behind a proxy set HTTPS_PROXY; "
        f"{OR_A_GUID}"
    )
    late = unreachable(DeadlineExceeded(), url, route, Deadline.start(5), "prod: cannot resolve")
    assert late.format() == (
        "prod: cannot resolve: timed out after 5 s waiting for the discovery endpoint at "
        f"https://login.microsoftonline.com\n  hint: raise --timeout, or check the network; {OR_A_GUID}"
    )
