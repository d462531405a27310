"""The token service with client secrets, driven by azure-identity and bare msal."""

from __future__ import annotations

import base64

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientSecretCredential
from sandbox_support import (
    AUTOMATION,
    AUTOMATION_SECRET,
    CONTOSO,
    EXPIRED_APP,
    FABRIKAM,
    FABRIKAM_APP,
    GRAPH_SCOPE,
    RETIRED,
    UNCONSENTED,
    aadsts,
    azure_kwargs,
    msal_app,
    session,
    verify_token,
)

from entra_profiles.sandbox import Sandbox


def test_client_secret_credential_gets_a_verifiable_token(sb: Sandbox) -> None:
    with ClientSecretCredential(CONTOSO, AUTOMATION, AUTOMATION_SECRET, **azure_kwargs(sb)) as credential:
        token = credential.get_token(GRAPH_SCOPE)
    claims = verify_token(sb, token.token, audience="https://graph.microsoft.com")
    assert claims["appid"] == claims["azp"] == AUTOMATION
    assert claims["tid"] == CONTOSO
    assert claims["iss"] == f"https://sts.windows.net/{CONTOSO}/"
    assert claims["app_displayname"] == "Contoso Automation"
    assert claims["roles"] == ["User.Read.All", "Group.Read.All", "Application.Read.All"]
    assert claims["idtyp"] == "app" and claims["ver"] == "1.0" and claims["appidacr"] == "1"
    assert claims["nbf"] <= claims["iat"] < claims["exp"]
    assert 3500 < claims["exp"] - claims["iat"] <= 3600


def test_tenant_addressed_by_domain_in_any_case(sb: Sandbox) -> None:
    kwargs = azure_kwargs(sb)
    with ClientSecretCredential("Contoso.OnMicrosoft.com", AUTOMATION, AUTOMATION_SECRET, **kwargs) as credential:
        claims = verify_token(sb, credential.get_token(GRAPH_SCOPE).token)
    assert claims["tid"] == CONTOSO


def test_oid_is_stable_and_roles_absent_without_consent(sb: Sandbox) -> None:
    tokens = []
    for _ in range(2):
        with msal_app(sb, UNCONSENTED, "sandbox-secret-unconsented") as app:
            tokens.append(app.acquire_token_for_client([GRAPH_SCOPE])["access_token"])
    first, second = (verify_token(sb, t) for t in tokens)
    assert first["oid"] == second["oid"]
    assert "roles" not in first


def test_msal_response_shape(sb: Sandbox) -> None:
    with msal_app(sb, AUTOMATION, AUTOMATION_SECRET) as app:
        result = app.acquire_token_for_client(["https://vault.azure.net/.default"])
    assert result["token_type"] == "Bearer"
    assert 3500 < result["expires_in"] <= 3599
    assert verify_token(sb, result["access_token"])["aud"] == "https://vault.azure.net"


def test_http_basic_client_authentication(sb: Sandbox) -> None:
    basic = base64.b64encode(f"{AUTOMATION}:{AUTOMATION_SECRET}".encode()).decode()
    with session(sb) as http:
        response = http.post(
            f"{sb.url}/{CONTOSO}/oauth2/v2.0/token",
            data={"grant_type": "client_credentials", "scope": GRAPH_SCOPE},
            headers={"Authorization": f"Basic {basic}"},
            timeout=10,
        )
    assert response.status_code == 200
    assert response.json()["ext_expires_in"] == 3599


@pytest.mark.parametrize(
    ("tenant", "client_id", "secret", "code", "status"),
    [
        (CONTOSO, AUTOMATION, "sandbox-secret-typo", "AADSTS7000215", 401),
        (CONTOSO, EXPIRED_APP, "sandbox-secret-expired", "AADSTS7000222", 401),
        (CONTOSO, "00000000-1111-4222-8333-444444444444", "whatever", "AADSTS700016", 400),
        (FABRIKAM, AUTOMATION, AUTOMATION_SECRET, "AADSTS700016", 400),  # the app lives in the other tenant
        (CONTOSO, FABRIKAM_APP, "sandbox-secret-fabrikam-1", "AADSTS700016", 400),
        (CONTOSO, RETIRED, "sandbox-secret-retired", "AADSTS7000112", 400),
    ],
)
def test_misconfigured_secret_credentials(
    sb: Sandbox, tenant: str, client_id: str, secret: str, code: str, status: int
) -> None:
    with (
        ClientSecretCredential(tenant, client_id, secret, **azure_kwargs(sb)) as credential,
        pytest.raises(ClientAuthenticationError) as caught,
    ):
        credential.get_token(GRAPH_SCOPE)
    assert aadsts(caught.value) == code
    assert sb.request_log()[-1]["status"] == status
    assert sb.request_log()[-1]["error"] == code


def test_the_old_secret_alone_is_expired(sb: Sandbox) -> None:
    """Contoso Automation's old secret matches, but it is expired: 7000222, not 7000215."""
    with msal_app(sb, AUTOMATION, "sandbox-secret-contoso-old") as app:
        result = app.acquire_token_for_client([GRAPH_SCOPE])
    assert result["error"] == "invalid_client"
    assert result["error_codes"] == [7000222]


def test_unknown_tenant_fails_discovery_with_90002(sb: Sandbox) -> None:
    """msal hides the discovery body behind its own message, as it does against real Entra."""
    kwargs = azure_kwargs(sb)
    with (
        ClientSecretCredential("nowhere.onmicrosoft.com", AUTOMATION, AUTOMATION_SECRET, **kwargs) as credential,
        pytest.raises(ClientAuthenticationError, match="Unable to get authority configuration"),
    ):
        credential.get_token(GRAPH_SCOPE)
    last = sb.request_log()[-1]
    assert (last["kind"], last["status"], last["error"]) == ("discovery", 400, "AADSTS90002")


def test_error_body_has_entra_shape(sb: Sandbox) -> None:
    with msal_app(sb, AUTOMATION, "wrong") as app:
        result = app.acquire_token_for_client([GRAPH_SCOPE])
    assert set(result) >= {"error", "error_description", "error_codes", "timestamp", "trace_id", "correlation_id"}
    assert result["error_description"].startswith("AADSTS7000215: Invalid client secret provided.")
    assert result["trace_id"] in result["error_description"]


@pytest.mark.parametrize(
    ("scope", "code"),
    [
        ("https://graph.microsoft.com/User.Read.All", 1002012),
        ("https://a.example/.default https://b.example/.default", 70011),
    ],
)
def test_invalid_scope(sb: Sandbox, scope: str, code: int) -> None:
    with msal_app(sb, AUTOMATION, AUTOMATION_SECRET) as app:
        result = app.acquire_token_for_client(scope.split())
    assert result["error"] == "invalid_scope"
    assert result["error_codes"] == [code]


def test_unsupported_grant_type(sb: Sandbox) -> None:
    with session(sb) as http:
        response = http.post(
            f"{sb.url}/{CONTOSO}/oauth2/v2.0/token",
            data={"grant_type": "password", "client_id": AUTOMATION, "username": "u", "password": "p"},
            timeout=10,
        )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_v1_endpoint_with_resource(sb: Sandbox) -> None:
    form = {"grant_type": "client_credentials", "client_id": AUTOMATION, "client_secret": AUTOMATION_SECRET}
    with session(sb) as http:
        response = http.post(
            f"{sb.url}/contoso.onmicrosoft.com/oauth2/token", data={**form, "resource": "https://vault.azure.net"}
        )
    assert response.status_code == 200
    assert verify_token(sb, response.json()["access_token"])["aud"] == "https://vault.azure.net"
