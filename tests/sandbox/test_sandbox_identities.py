"""Managed identity (IMDS override and App Service endpoint) and workload identity federation."""

from __future__ import annotations

from pathlib import Path

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import AzurePipelinesCredential, ManagedIdentityCredential, WorkloadIdentityCredential
from sandbox_support import (
    AUTOMATION,
    CI_AUDIENCE,
    CONTOSO,
    GRAPH_SCOPE,
    SYSTEM_MI_OID,
    UAMI_CLIENT_ID,
    UAMI_OID,
    UAMI_RESOURCE_ID,
    aadsts,
    azure_kwargs,
    ci_token,
    session,
    verify_token,
    write_token_file,
)

from entra_profiles.sandbox import Sandbox

ROUTES = ["imds", "app_service"]
SELECTORS = [
    ({}, SYSTEM_MI_OID, ["User.Read.All"]),
    ({"client_id": UAMI_CLIENT_ID}, UAMI_OID, ["Group.Read.All"]),
    ({"identity_config": {"object_id": UAMI_OID}}, UAMI_OID, ["Group.Read.All"]),
    ({"identity_config": {"resource_id": UAMI_RESOURCE_ID}}, UAMI_OID, ["Group.Read.All"]),
]


def _point_at(sb: Sandbox, route: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if route == "imds":
        monkeypatch.setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", sb.info["imds_authority_host"])
    else:
        monkeypatch.setenv("IDENTITY_ENDPOINT", sb.info["identity_endpoint"])
        monkeypatch.setenv("IDENTITY_HEADER", sb.info["identity_header"])


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("selector", "oid", "roles"), SELECTORS)
def test_managed_identity(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch, route: str, selector: dict[str, object], oid: str, roles: list[str]
) -> None:
    _point_at(sb, route, monkeypatch)
    with ManagedIdentityCredential(connection_verify=sb.info["ca_bundle"], **selector) as credential:  # type: ignore[arg-type]
        token = credential.get_token(GRAPH_SCOPE)
    assert sb.request_log()[-1]["kind"] == "managed_identity"
    claims = verify_token(sb, token.token, audience="https://graph.microsoft.com")
    assert (claims["oid"], claims["tid"], claims["roles"]) == (oid, CONTOSO, roles)
    assert token.expires_on > claims["iat"] + 3600


@pytest.mark.parametrize("route", ROUTES)
def test_unknown_user_assigned_identity(sb: Sandbox, monkeypatch: pytest.MonkeyPatch, route: str) -> None:
    _point_at(sb, route, monkeypatch)
    unknown = "00000000-0000-4000-8000-000000000000"
    with (
        ManagedIdentityCredential(client_id=unknown, connection_verify=sb.info["ca_bundle"]) as credential,
        pytest.raises(ClientAuthenticationError, match="Identity not found"),
    ):
        credential.get_token(GRAPH_SCOPE)


def test_imds_requires_metadata_header(sb: Sandbox) -> None:
    with session(sb) as http:
        response = http.get(f"{sb.url}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=x", timeout=5)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_app_service_checks_identity_header(sb: Sandbox) -> None:
    with session(sb) as http:
        url = f"{sb.info['identity_endpoint']}?api-version=2019-08-01&resource=https://vault.azure.net"
        assert http.get(url, headers={"X-IDENTITY-HEADER": "guess"}, timeout=5).status_code == 401


def _workload(sb: Sandbox, tmp_path: Path, tenant: str = CONTOSO) -> WorkloadIdentityCredential:
    token_file = write_token_file(tmp_path, ci_token(sb))
    return WorkloadIdentityCredential(
        tenant_id=tenant, client_id=AUTOMATION, token_file_path=str(token_file), **azure_kwargs(sb)
    )


def test_workload_identity_from_ci_token(sb: Sandbox, tmp_path: Path) -> None:
    with _workload(sb, tmp_path) as credential:
        claims = verify_token(sb, credential.get_token(GRAPH_SCOPE).token)
    assert (claims["appid"], claims["appidacr"]) == (AUTOMATION, "2")


def test_ci_token_claims_and_issuer_keys(sb: Sandbox) -> None:
    import jwt

    token = ci_token(sb, audience="api://custom")
    with session(sb) as http:
        config = http.get(f"{sb.info['ci_issuer']}/.well-known/openid-configuration", timeout=5).json()
        keys = jwt.PyJWKSet.from_dict(http.get(config["jwks_uri"], timeout=5).json())
    kid = jwt.get_unverified_header(token)["kid"]
    claims = jwt.decode(token, keys[kid].key, algorithms=["RS256"], audience="api://custom", issuer=config["issuer"])
    assert claims["sub"] == "repo:contoso/infra:ref:refs/heads/main"
    assert 300 <= claims["exp"] - claims["iat"] <= 600


def test_wrong_subject_is_70021(sb: Sandbox, tmp_path: Path) -> None:
    sb.set_ci_subject("repo:contoso/infra:ref:refs/heads/feature")
    with _workload(sb, tmp_path) as credential, pytest.raises(ClientAuthenticationError) as caught:
        credential.get_token(GRAPH_SCOPE)
    assert aadsts(caught.value) == "AADSTS70021"
    assert "repo:contoso/infra:ref:refs/heads/feature" in str(caught.value)


def test_subject_settable_through_admin_endpoint(sb: Sandbox, tmp_path: Path) -> None:
    with session(sb) as http:
        response = http.post(
            f"{sb.info['admin_url']}/ci",
            json={"subject": "repo:contoso/other:ref:refs/heads/main"},
            headers={"Authorization": f"Bearer {sb.info['admin_token']}"},
            timeout=5,
        )
        assert response.status_code == 200
        assert http.post(f"{sb.info['admin_url']}/ci", json={"subject": "x"}, timeout=5).status_code == 401
    with _workload(sb, tmp_path) as credential, pytest.raises(ClientAuthenticationError, match="AADSTS70021"):
        credential.get_token(GRAPH_SCOPE)


def test_expired_ci_token_is_700024(sb: Sandbox, tmp_path: Path) -> None:
    sb.set_ci(clock_offset_seconds=-3600)  # a token fetched an hour ago: a long job
    with _workload(sb, tmp_path) as credential, pytest.raises(ClientAuthenticationError) as caught:
        credential.get_token(GRAPH_SCOPE)
    assert aadsts(caught.value) == "AADSTS700024"


def test_workload_identity_unknown_tenant_is_90002(sb: Sandbox, tmp_path: Path) -> None:
    with (
        _workload(sb, tmp_path, tenant="11111111-2222-4333-8444-555555555555") as credential,
        pytest.raises(ClientAuthenticationError) as caught,
    ):
        credential.get_token(GRAPH_SCOPE)
    assert aadsts(caught.value) == "AADSTS90002"


def test_azure_pipelines_credential(sb: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYSTEM_OIDCREQUESTURI", sb.info["azure_pipelines_oidc_url"])
    with AzurePipelinesCredential(
        tenant_id=CONTOSO,
        client_id=AUTOMATION,
        service_connection_id="sc-1",
        system_access_token=sb.info["azure_pipelines_access_token"],
        **azure_kwargs(sb),
    ) as credential:
        claims = verify_token(sb, credential.get_token(GRAPH_SCOPE).token)
    assert claims["appid"] == AUTOMATION
    assert CI_AUDIENCE  # the Azure Pipelines issuer always uses api://AzureADTokenExchange
