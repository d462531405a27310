"""`expect:` through the CLI against the sandbox: roles required and forbidden, the credential in use's end
date (Graph's for secrets and certificates, a certificate's own NotAfter), the tenant, the token's lifetime."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from certfactory import days, make_cert, sha1, write_pfx
from clirunner import Result, run_cli
from cryptography.hazmat.primitives import serialization

from entra_profiles.sandbox import Sandbox

TENANT = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
DOMAIN = "checks.onmicrosoft.com"
EXPIRING = "11111111-2222-4333-8444-555555555501"
OVERPRIVILEGED = "11111111-2222-4333-8444-555555555502"
UNPRIVILEGED = "11111111-2222-4333-8444-555555555503"
CERT_APP = "11111111-2222-4333-8444-555555555504"
GRAPH = "https://graph.microsoft.com"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    """A certificate store holding a certificate that ends in 5 days; its public PEM for the seed."""
    folder = tmp_path_factory.mktemp("checks-store")
    cert, key = make_cert("Checks Rollover", not_after=days(5))
    write_pfx(folder / "store" / f"{sha1(cert)}.pfx", cert, key)
    pem = folder / "rollover.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return folder / "store", sha1(cert), pem


@pytest.fixture(scope="module")
def checks_box(tmp_path_factory: pytest.TempPathFactory, store: tuple[Path, str, Path]) -> Iterator[Sandbox]:
    seed: dict[str, Any] = {
        "tenants": [
            {
                "id": TENANT,
                "domains": [DOMAIN],
                "display_name": "Checks Corp",
                "apps": [
                    {
                        "client_id": EXPIRING,
                        "display_name": "Expiring",
                        "secrets": [
                            {"value": "exp-secret-10d", "expires_in": "10d", "display_name": "rotate-me"},
                            {"value": "old-secret", "expires_in": "400d", "display_name": "spare"},
                        ],
                        "roles": {GRAPH: ["Application.Read.All", "Organization.Read.All"]},
                    },
                    {
                        "client_id": OVERPRIVILEGED,
                        "display_name": "Overprivileged",
                        "secrets": [{"value": "over-secret"}],
                        "roles": {GRAPH: ["Directory.ReadWrite.All", "User.Read.All"]},
                    },
                    {
                        "client_id": UNPRIVILEGED,
                        "display_name": "Unprivileged",
                        "secrets": [{"value": "unpriv-secret", "expires_in": "100d"}],
                        "roles": {GRAPH: ["Mail.Send"]},  # reads neither the app nor the tenant
                    },
                    {
                        "client_id": CERT_APP,
                        "display_name": "Cert App",
                        "certificates": [str(store[2])],
                        "roles": {GRAPH: ["User.Read.All"]},
                    },
                ],
            }
        ]
    }
    with Sandbox(tmp_path_factory.mktemp("checks-sandbox"), seed) as sb:
        yield sb


def profile(name: str, client_id: str, credential: str, expect: str) -> str:
    return f"""  {name}:
    tenant: {DOMAIN}
    client_id: {client_id}
    credential: {credential}
    expect: {expect}
"""


def secret(value: str) -> str:
    return f"{{type: client_secret, secret: {value}}}"


@pytest.fixture
def check(checks_box: Sandbox, tmp_path: Path) -> Any:
    def go(profiles: str, *args: str) -> Result:
        path = tmp_path / "profiles.yaml"
        path.write_text("version: 1\nprofiles:\n" + profiles, encoding="utf-8")
        return run_cli("-f", str(path), "run", "--sandbox", str(checks_box.state_dir), *args)

    return go


def checks_of(result: Result, name: str) -> dict[str, dict[str, Any]]:
    import json

    found = next(p for p in json.loads(result.out)["profiles"] if p["name"] == name)
    return {c["name"]: c for c in found["checks"]} | {"_profile": found}


def ends_in(days_from_now: float) -> str:
    """The date an `expires_in` of the seed gives, to the day (the sandbox started moments ago)."""
    return (datetime.now(UTC) + timedelta(days=days_from_now)).strftime("%Y-%m-%d")


def test_secret_ending_in_10_days_fails_credential_valid_for_30d_naming_hint_and_date(check: Any) -> None:
    r = check(profile("app", EXPIRING, secret("exp-secret-10d"), "{credential_valid_for: 30d}"), "--format", "json")
    assert r.code == 1, r.err
    c = checks_of(r, "app")
    got = c["credential_valid_for"]
    assert got["status"] == "fail"
    assert got["message"].startswith(f"the client secret in use (hint 'exp', 'rotate-me') ends {ends_in(10)}T")
    assert got["message"].endswith(", in 9 days: less than credential_valid_for 30d")
    assert got["hint"].startswith("add a new client secret to the app registration")
    profile_json = c["_profile"]
    assert profile_json["status"] == "failed"
    assert profile_json["error"]["code"] == "credential_expiring"
    listed = {(x["kind"], x["hint"], x["name"], x["in_use"]) for x in profile_json["credentials"]}
    assert listed == {("secret", "exp", "rotate-me", True), ("secret", "old", "spare", False)}
    text = check(profile("app", EXPIRING, secret("exp-secret-10d"), "{credential_valid_for: 30d}"))
    assert "FAILED  credential_valid_for  the client secret in use (hint 'exp', 'rotate-me') ends" in text.out
    assert "(in use)" in text.out


def test_warn_within_gives_warn_and_fail_on_warn_fails(check: Any) -> None:
    profiles = profile("app", EXPIRING, secret("exp-secret-10d"), "{credential_valid_for: 7d, warn_within: 30d}")
    r = check(profiles, "--format", "json")
    assert r.code == 0, r.err
    c = checks_of(r, "app")
    assert c["credential_valid_for"]["status"] == "warn"
    assert c["credential_valid_for"]["message"].endswith(", in 9 days: within warn_within 30d")
    assert c["_profile"]["status"] == "warn" and c["_profile"]["error"] is None
    assert check(profiles, "--fail-on", "warn", "--format", "json").code == 1
    text = check(profiles)
    assert "Checks:" in text.out and "warn    credential_valid_for" in text.out


def test_forbid_roles_glob_fails_on_directory_readwrite_all(check: Any) -> None:
    r = check(
        profile("over", OVERPRIVILEGED, secret("over-secret"), "{forbid_roles: ['*.ReadWrite.All']}"),
        "--format",
        "json",
    )
    assert r.code == 1
    got = checks_of(r, "over")["forbid_roles"]
    assert got["status"] == "fail"
    assert got["message"] == "forbidden roles granted: Directory.ReadWrite.All (matches '*.ReadWrite.All')"
    ok = check(
        profile("calm", UNPRIVILEGED, secret("unpriv-secret"), "{forbid_roles: ['*.ReadWrite.All']}"),
        "--format",
        "json",
    )
    assert ok.code == 0 and checks_of(ok, "calm")["forbid_roles"]["status"] == "pass"


def test_app_without_application_read_all_warns_naming_the_permission(check: Any) -> None:
    r = check(
        profile("blind", UNPRIVILEGED, secret("unpriv-secret"), "{credential_valid_for: 30d}"), "--format", "json"
    )
    assert r.code == 0, r.err
    got = checks_of(r, "blind")["credential_valid_for"]
    assert got["status"] == "warn"
    assert got["message"] == (
        "cannot read when the client secret in use ends: Graph answered 403 Authorization_RequestDenied: "
        "the app lacks Application.Read.All"
    )
    assert got["hint"].startswith("add the application permission Application.Read.All to the app")
    assert (
        check(
            profile("blind", UNPRIVILEGED, secret("unpriv-secret"), "{credential_valid_for: 30d}"), "--fail-on", "warn"
        ).code
        == 1
    )


def test_certificate_in_a_store_ending_in_5_days_fails(check: Any, store: tuple[Path, str, Path]) -> None:
    folder, thumbprint, _ = store
    credential = f"{{type: certificate, thumbprint: {thumbprint}, stores: ['{folder}']}}"
    r = check(profile("cert", CERT_APP, credential, "{credential_valid_for: 30d}"), "--format", "json")
    assert r.code == 1, r.err
    c = checks_of(r, "cert")
    got = c["credential_valid_for"]
    assert got["status"] == "fail"
    assert got["message"].startswith(f"the certificate in use (thumbprint {thumbprint}) ends {ends_in(5)}T")
    assert got["message"].endswith(": less than credential_valid_for 30d")
    assert [(x["kind"], x["thumbprint"], x["in_use"], x["source"]) for x in c["_profile"]["credentials"]] == [
        ("certificate", thumbprint, True, "local")
    ]


def test_tenant_and_token_lifetime(check: Any) -> None:
    good = "{tenant: Checks Corp, token_lifetime_min: 30m, require_roles: [Application.Read.All]}"
    r = check(profile("good", EXPIRING, secret("exp-secret-10d"), good), "--format", "json")
    assert r.code == 0, r.out
    c = checks_of(r, "good")
    assert [(n, v["status"]) for n, v in c.items() if n != "_profile"] == [
        ("require_roles", "pass"),
        ("tenant", "pass"),
        ("token_lifetime_min", "pass"),
    ]
    assert c["tenant"]["message"] == f"the tenant is Checks Corp ({DOMAIN})"
    bad = "{tenant: contoso.onmicrosoft.com, token_lifetime_min: 3h}"
    r = check(profile("bad", EXPIRING, secret("exp-secret-10d"), bad), "--format", "json")
    c = checks_of(r, "bad")
    assert r.code == 1
    assert c["tenant"]["message"] == f"the tenant is Checks Corp ({DOMAIN}), not 'contoso.onmicrosoft.com'"
    assert c["token_lifetime_min"]["status"] == "fail"
    assert c["token_lifetime_min"]["message"].endswith("min when it comes, less than token_lifetime_min 3h")
    unreadable = check(
        profile("who", UNPRIVILEGED, secret("unpriv-secret"), "{tenant: Checks Corp}"), "--format", "json"
    )
    got = checks_of(unreadable, "who")["tenant"]
    assert (got["status"], got["hint"]) == (
        "warn",
        "add the application permission Organization.Read.All to the app and grant admin consent",
    )


def test_checks_are_skipped_when_the_profile_does_not_connect(check: Any) -> None:
    r = check(
        profile("nope", EXPIRING, secret("wrong"), "{credential_valid_for: 30d, roles: [User.Read.All]}"),
        "--format",
        "json",
    )
    c = checks_of(r, "nope")
    assert c["_profile"]["error"]["code"] == "AADSTS7000215"
    assert [(c[n]["status"], c[n]["message"]) for n in ("roles", "credential_valid_for")] == [
        ("skipped", "not checked: the profile did not connect")
    ] * 2


def test_a_failed_key_vault_reference_skips_the_checks_and_keeps_the_tenant(run_profiles: Any) -> None:
    secret = "${keyvault:https://contoso-ops.vault.azure.net/secrets/no-such-secret}"
    profiles = f"""  vaulted:
    tenant: contoso.onmicrosoft.com
    client_id: 0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811
    credential: {{type: client_secret, secret: "{secret}"}}
    expect: {{require_roles: [User.Read.All], credential_valid_for: 30d}}
"""
    r = run_profiles(profiles, "--format", "json")
    c = checks_of(r, "vaulted")
    assert c["_profile"]["error"]["code"].startswith("keyvault_")
    assert c["_profile"]["tenant"] == "contoso.onmicrosoft.com"
    assert [(c[n]["status"], c[n]["message"]) for n in ("require_roles", "credential_valid_for")] == [
        ("skipped", "not checked: the profile did not connect")
    ] * 2
