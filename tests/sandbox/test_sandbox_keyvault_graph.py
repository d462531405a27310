"""Key Vault through the real SecretClient, and the Graph slice through requests with real tokens."""

from __future__ import annotations

import base64

import pytest
from azure.core.credentials import TokenCredential
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.identity import ClientSecretCredential, ManagedIdentityCredential
from azure.keyvault.secrets import SecretClient
from cryptography.hazmat.primitives.serialization import pkcs12
from sandbox_support import (
    AUTOMATION,
    AUTOMATION_SECRET,
    CONTOSO,
    FABRIKAM,
    FABRIKAM_APP,
    GRAPH_SCOPE,
    UAMI_CLIENT_ID,
    UNCONSENTED,
    VAULT_SCOPE,
    azure_kwargs,
    session,
    vault_url,
)

from entra_profiles.sandbox import Sandbox
from entra_profiles.sandbox.example import ExampleWorld


def _client(sb: Sandbox, credential: TokenCredential, vault: str = "contoso-ops") -> SecretClient:
    return SecretClient(
        vault_url(sb, vault), credential, verify_challenge_resource=False, connection_verify=sb.info["ca_bundle"]
    )


def _automation(sb: Sandbox) -> ClientSecretCredential:
    return ClientSecretCredential(CONTOSO, AUTOMATION, AUTOMATION_SECRET, **azure_kwargs(sb))


def test_get_secret_after_the_challenge(sb: Sandbox) -> None:
    with _automation(sb) as credential, _client(sb, credential) as client:
        secret = client.get_secret("fabrikam-secret")
    assert secret.value == "sandbox-secret-fabrikam-1"
    assert secret.name == "fabrikam-secret" and len(secret.properties.version or "") == 32
    statuses = [r["status"] for r in sb.request_log() if r["kind"] == "keyvault"][-2:]
    assert statuses == [401, 200]


def test_certificate_secrets(sb: Sandbox, example_world: ExampleWorld) -> None:
    with _automation(sb) as credential, _client(sb, credential) as client:
        pfx, pem = client.get_secret("automation-cert"), client.get_secret("automation-cert-pem")
    assert pfx.properties.content_type == "application/x-pkcs12"
    key, cert, _ = pkcs12.load_key_and_certificates(base64.b64decode(pfx.value or ""), None)
    assert key is not None and cert is not None
    assert pem.properties.content_type == "application/x-pem-file"
    assert "PRIVATE KEY" in (pem.value or "") and "BEGIN CERTIFICATE" in (pem.value or "")


def test_versions(sb: Sandbox) -> None:
    with _automation(sb) as credential, _client(sb, credential) as client:
        latest = client.get_secret("rotated-secret")
        first = client.get_secret("rotated-secret", "1111111111111111111111111111111a")
        with pytest.raises(ResourceNotFoundError, match="SecretNotFound"):
            client.get_secret("rotated-secret", "ffffffffffffffffffffffffffffffff")
    assert (latest.value, latest.properties.version) == ("sandbox-secret-rotated-2", "2222222222222222222222222222222b")
    assert latest.properties.tags == {"env": "prod"}
    assert first.value == "sandbox-secret-rotated-1"


def test_missing_secret_is_404(sb: Sandbox) -> None:
    with (
        _automation(sb) as credential,
        _client(sb, credential) as client,
        pytest.raises(ResourceNotFoundError) as caught,
    ):
        client.get_secret("no-such-secret")
    assert caught.value.error is not None and caught.value.error.code == "SecretNotFound"


def test_disabled_secret_is_forbidden(sb: Sandbox) -> None:
    with _automation(sb) as credential, _client(sb, credential) as client, pytest.raises(HttpResponseError) as caught:
        client.get_secret("disabled-secret")
    assert caught.value.status_code == 403
    assert "disabled secret" in str(caught.value)
    assert sb.request_log()[-1]["error"] == "SecretDisabled"


def test_expired_secret_served_with_exp_unless_the_vault_refuses(sb: Sandbox) -> None:
    with _automation(sb) as credential:
        with _client(sb, credential) as client:
            stale = client.get_secret("expired-secret")
        with _client(sb, credential, "contoso-strict") as strict, pytest.raises(HttpResponseError) as caught:
            strict.get_secret("expired-secret")
    assert stale.properties.expires_on is not None and stale.properties.expires_on.year == 2020
    assert caught.value.status_code == 403
    assert sb.request_log()[-1]["error"] == "SecretExpired"


def test_not_a_reader_is_forbidden(sb: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", sb.info["imds_authority_host"])
    with (
        ManagedIdentityCredential(client_id=UAMI_CLIENT_ID, connection_verify=sb.info["ca_bundle"]) as credential,
        _client(sb, credential) as client,
        pytest.raises(HttpResponseError) as caught,
    ):
        client.get_secret("fabrikam-secret")
    assert caught.value.status_code == 403
    assert caught.value.error is not None and caught.value.error.code == "Forbidden"


def test_system_assigned_identity_reads_the_vault(sb: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDENTITY_ENDPOINT", sb.info["identity_endpoint"])
    monkeypatch.setenv("IDENTITY_HEADER", sb.info["identity_header"])
    with ManagedIdentityCredential(connection_verify=sb.info["ca_bundle"]) as credential, _client(sb, credential) as c:
        assert c.get_secret("fabrikam-secret").value == "sandbox-secret-fabrikam-1"


def test_token_for_another_tenant_is_refused(sb: Sandbox) -> None:
    with (
        session(sb) as http,
        ClientSecretCredential(FABRIKAM, FABRIKAM_APP, "sandbox-secret-fabrikam-1", **azure_kwargs(sb)) as credential,
    ):
        token = credential.get_token(VAULT_SCOPE).token
        response = http.get(
            f"{vault_url(sb, 'contoso-ops')}/secrets/fabrikam-secret?api-version=7.5",
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
    assert response.status_code == 401
    assert "AKV10032" in response.json()["error"]["message"]
    assert f'authorization="{sb.url}/{CONTOSO}"' in response.headers["WWW-Authenticate"]


def _graph(sb: Sandbox, path: str, token: str | None) -> tuple[int, dict[str, object]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with session(sb) as http:
        response = http.get(f"{sb.info['graph_endpoint']}/v1.0/{path}", headers=headers, timeout=5)
    return response.status_code, response.json()


def _graph_token(sb: Sandbox, client_id: str, secret: str, scope: str = GRAPH_SCOPE) -> str:
    with ClientSecretCredential(CONTOSO, client_id, secret, **azure_kwargs(sb)) as credential:
        return credential.get_token(scope).token


def test_graph_organization_and_applications(sb: Sandbox) -> None:
    token = _graph_token(sb, AUTOMATION, AUTOMATION_SECRET)
    status, org = _graph(sb, "organization", token)
    assert status == 200
    assert org["value"][0]["id"] == CONTOSO  # type: ignore[index]
    status, app = _graph(sb, f"applications(appId='{AUTOMATION}')", token)
    assert status == 200 and app["displayName"] == "Contoso Automation"
    ends = sorted(p["endDateTime"] for p in app["passwordCredentials"])  # type: ignore[attr-defined]
    assert ends == ["2020-01-01T00:00:00Z", "2031-01-01T00:00:00Z"]
    assert len(app["keyCredentials"]) == 3  # type: ignore[arg-type]
    status, listed = _graph(sb, f"applications?$filter=appId eq '{AUTOMATION}'", token)
    assert status == 200 and [a["appId"] for a in listed["value"]] == [AUTOMATION]  # type: ignore[attr-defined]
    status, sp = _graph(sb, f"servicePrincipals(appId='{AUTOMATION}')", token)
    assert status == 200 and sp["appId"] == AUTOMATION


def test_graph_refusals(sb: Sandbox) -> None:
    status, body = _graph(sb, "organization", None)
    assert status == 401 and body["error"]["code"] == "InvalidAuthenticationToken"  # type: ignore[index]
    unconsented = _graph_token(sb, UNCONSENTED, "sandbox-secret-unconsented")
    status, body = _graph(sb, "organization", unconsented)
    assert status == 403 and body["error"]["code"] == "Authorization_RequestDenied"  # type: ignore[index]
    vault_token = _graph_token(sb, AUTOMATION, AUTOMATION_SECRET, VAULT_SCOPE)
    status, body = _graph(sb, "organization", vault_token)
    assert status == 401 and "audience" in body["error"]["message"]  # type: ignore[index]
    status, body = _graph(
        sb,
        "applications(appId='00000000-0000-4000-8000-000000000000')",
        _graph_token(sb, AUTOMATION, AUTOMATION_SECRET),
    )
    assert status == 404 and body["error"]["code"] == "Request_ResourceNotFound"  # type: ignore[index]
