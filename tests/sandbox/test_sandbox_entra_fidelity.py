"""The token service answers as real Entra does: v1 and v2 endpoints and shapes, unknown resources, audiences
kept as requested, `common` / `organizations`, signing keys with certificates, error bodies and headers."""

from __future__ import annotations

import base64
import hashlib
import uuid
from typing import Any

import jwt
import msal
import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientSecretCredential
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sandbox_support import (
    AUTOMATION,
    AUTOMATION_SECRET,
    CONTOSO,
    GRAPH_SCOPE,
    aadsts,
    azure_kwargs,
    msal_app,
    session,
    verify_token,
)

from entra_profiles.sandbox import Sandbox

SECRET_FORM = {"grant_type": "client_credentials", "client_id": AUTOMATION, "client_secret": AUTOMATION_SECRET}


def post(sb: Sandbox, path: str, form: dict[str, str], **headers: str) -> Any:
    with session(sb) as http:
        return http.post(f"{sb.url}{path}", data=form, headers=headers, timeout=10)


def test_v1_endpoint_answers_v1_shape_for_resource(sb: Sandbox) -> None:
    response = post(sb, f"/{CONTOSO}/oauth2/token", {**SECRET_FORM, "resource": "https://graph.microsoft.com"})
    body = response.json()
    assert response.status_code == 200, body
    assert set(body) == {
        "token_type", "expires_in", "ext_expires_in", "expires_on", "not_before", "resource", "access_token",
    }  # fmt: skip
    assert all(isinstance(body[k], str) for k in ("expires_in", "ext_expires_in", "expires_on", "not_before"))
    assert (body["token_type"], body["resource"], body["expires_in"]) == (
        "Bearer",
        "https://graph.microsoft.com",
        "3599",
    )
    claims = verify_token(sb, body["access_token"], audience="https://graph.microsoft.com")
    assert (claims["ver"], claims["iss"]) == ("1.0", f"https://sts.windows.net/{CONTOSO}/")
    assert int(body["expires_on"]) == claims["exp"] and int(body["not_before"]) == claims["nbf"]


def test_v1_uses_resource_even_when_a_scope_is_sent(sb: Sandbox) -> None:
    form = {**SECRET_FORM, "resource": "https://vault.azure.net", "scope": GRAPH_SCOPE}
    body = post(sb, f"/{CONTOSO}/oauth2/token", form).json()
    assert verify_token(sb, body["access_token"])["aud"] == "https://vault.azure.net"
    missing = post(sb, f"/{CONTOSO}/oauth2/token", {**SECRET_FORM, "scope": GRAPH_SCOPE})
    assert (missing.status_code, missing.json()["error_codes"]) == (400, [900144])
    assert "'resource'" in missing.json()["error_description"]


def test_v2_refuses_the_resource_parameter(sb: Sandbox) -> None:
    response = post(sb, f"/{CONTOSO}/oauth2/v2.0/token", {**SECRET_FORM, "resource": "https://graph.microsoft.com"})
    body = response.json()
    assert (response.status_code, body["error"], body["error_codes"]) == (400, "invalid_request", [901002])
    assert body["error_description"].startswith("AADSTS901002: The 'resource' request parameter is not supported.")


@pytest.mark.parametrize("endpoint", ["oauth2/v2.0/token", "oauth2/token"])
def test_an_unknown_resource_is_500011(sb: Sandbox, endpoint: str) -> None:
    form = {**SECRET_FORM, "scope": "https://unknown.example/.default", "resource": "https://unknown.example"}
    form.pop("resource" if "v2.0" in endpoint else "scope")
    body = post(sb, f"/{CONTOSO}/{endpoint}", form).json()
    assert (body["error"], body["error_codes"]) == ("invalid_resource", [500011])
    assert body["error_description"].startswith(
        "AADSTS500011: The resource principal named https://unknown.example was not found in the tenant named Contoso."
    )


def test_msal_meets_500011_and_the_seed_declares_its_own_apis(sb: Sandbox) -> None:
    with msal_app(sb, AUTOMATION, AUTOMATION_SECRET) as app:
        refused = app.acquire_token_for_client(["api://not-declared/.default"])
        declared = app.acquire_token_for_client(["api://contoso-reports/.default"])  # the seed's `resources`
        storage = app.acquire_token_for_client(["https://storage.azure.com/.default"])
    assert refused["error_codes"] == [500011]
    assert verify_token(sb, declared["access_token"])["aud"] == "api://contoso-reports"
    assert verify_token(sb, storage["access_token"])["aud"] == "https://storage.azure.com"


@pytest.mark.parametrize(
    ("scope", "aud"),
    [
        ("https://management.core.windows.net//.default", "https://management.core.windows.net/"),  # az's default
        ("https://management.azure.com/.default", "https://management.azure.com"),
        ("https://management.usgovcloudapi.net//.default", "https://management.usgovcloudapi.net/"),
    ],
)
def test_aud_is_exactly_the_resource_requested(sb: Sandbox, scope: str, aud: str) -> None:
    with ClientSecretCredential(CONTOSO, AUTOMATION, AUTOMATION_SECRET, **azure_kwargs(sb)) as credential:
        token = credential.get_token(scope).token
    assert verify_token(sb, token, audience=aud)["aud"] == aud


def test_get_on_the_token_endpoint_is_900561(sb: Sandbox) -> None:
    with session(sb) as http:
        response = http.get(f"{sb.url}/{CONTOSO}/oauth2/v2.0/token", timeout=10)
    body = response.json()
    assert (response.status_code, body["error"], body["error_codes"]) == (400, "invalid_request", [900561])
    assert body["error_description"].startswith(
        "AADSTS900561: The endpoint only accepts POST requests. Received a GET request."
    )


@pytest.mark.parametrize(
    "request_args",
    [
        ("GET", "/no/such/path", {}),
        ("POST", f"/{CONTOSO}/oauth2/v2.0/token", {"data": b"x" * (1024 * 1024 + 1)}),
        ("DELETE", f"/{CONTOSO}/v2.0/.well-known/openid-configuration", {}),
    ],
)
def test_every_token_service_error_has_the_full_body(sb: Sandbox, request_args: tuple[str, str, Any]) -> None:
    method, path, kwargs = request_args
    with session(sb) as http:
        body = http.request(method, f"{sb.url}{path}", timeout=10, **kwargs).json()
    assert set(body) >= {"error", "error_description", "error_codes", "timestamp", "trace_id", "correlation_id"}
    code = body["error_codes"][0]
    assert body["error_uri"] == f"{sb.url}/error?code={code}"
    assert body["error_description"].startswith(f"AADSTS{code}: ")


def test_token_answers_carry_request_ids_and_no_store(sb: Sandbox) -> None:
    sent = str(uuid.uuid4())
    good = post(
        sb, f"/{CONTOSO}/oauth2/v2.0/token", {**SECRET_FORM, "scope": GRAPH_SCOPE}, **{"client-request-id": sent}
    )
    bad = post(sb, f"/{CONTOSO}/oauth2/v2.0/token", {**SECRET_FORM, "client_secret": "wrong", "scope": GRAPH_SCOPE})
    for response in (good, bad):
        assert response.headers["Cache-Control"] == "no-store, no-cache"
        assert response.headers["Pragma"] == "no-cache"
        uuid.UUID(response.headers["x-ms-request-id"])
    assert good.headers["client-request-id"] == sent
    assert bad.headers["client-request-id"] == bad.json()["correlation_id"]  # none sent: one of its own
    assert bad.headers["x-ms-request-id"] == bad.json()["trace_id"]


def test_v1_discovery_names_the_sts_issuer(sb: Sandbox) -> None:
    for tenant in (CONTOSO, "contoso.onmicrosoft.com"):
        with session(sb) as http:
            config = http.get(f"{sb.url}/{tenant}/.well-known/openid-configuration", timeout=10).json()
        assert config["issuer"] == f"https://sts.windows.net/{CONTOSO}/"
        assert config["token_endpoint"] == f"{sb.url}/{CONTOSO}/oauth2/token"


@pytest.mark.parametrize("alias", ["common", "organizations"])
def test_common_and_organizations_discovery_answer_the_template(sb: Sandbox, alias: str) -> None:
    with session(sb) as http:
        v2 = http.get(f"{sb.url}/{alias}/v2.0/.well-known/openid-configuration", timeout=10)
        v1 = http.get(f"{sb.url}/{alias}/.well-known/openid-configuration", timeout=10)
        keys = http.get(v2.json()["jwks_uri"], timeout=10).json()
    assert (v2.status_code, v1.status_code) == (200, 200)
    assert v2.json()["issuer"] == f"{sb.url}/{{tenantid}}/v2.0"
    assert v2.json()["token_endpoint"] == f"{sb.url}/{alias}/oauth2/v2.0/token"
    assert v1.json()["issuer"] == "https://sts.windows.net/{tenantid}/"
    assert keys["keys"][0]["issuer"] == f"{sb.url}/{{tenantid}}/v2.0"


def test_client_credentials_at_common_get_a_token_of_the_apps_home_tenant(sb: Sandbox) -> None:
    body = post(sb, "/common/oauth2/v2.0/token", {**SECRET_FORM, "scope": GRAPH_SCOPE}).json()
    assert verify_token(sb, body["access_token"])["tid"] == CONTOSO  # Entra guesses the app's tenant
    with (
        session(sb) as http,
        pytest.warns(DeprecationWarning, match="common or /organizations"),  # msal warns; Entra does not refuse
    ):
        app = msal.ConfidentialClientApplication(
            AUTOMATION, AUTOMATION_SECRET, authority=f"{sb.url}/organizations", http_client=http,
            instance_discovery=False,
        )  # fmt: skip
        result = app.acquire_token_for_client([GRAPH_SCOPE])
    assert verify_token(sb, result["access_token"])["tid"] == CONTOSO
    unknown = post(sb, "/common/oauth2/v2.0/token", {**SECRET_FORM, "client_id": str(uuid.uuid4())}).json()
    assert unknown["error_codes"] == [700016]


def test_a_malformed_tenant_is_900023(sb: Sandbox) -> None:
    body = post(sb, "/not_a_domain/oauth2/v2.0/token", {**SECRET_FORM, "scope": GRAPH_SCOPE}).json()
    assert body["error_codes"] == [900023]
    assert "Specified tenant identifier 'not_a_domain' is neither a valid DNS name" in body["error_description"]


def test_signing_keys_carry_their_certificate_and_tokens_name_it(sb: Sandbox) -> None:
    with ClientSecretCredential(CONTOSO, AUTOMATION, AUTOMATION_SECRET, **azure_kwargs(sb)) as credential:
        token = credential.get_token(GRAPH_SCOPE).token
    with session(sb) as http:
        config = http.get(f"{sb.url}/{CONTOSO}/v2.0/.well-known/openid-configuration", timeout=10).json()
        key = http.get(config["jwks_uri"], timeout=10).json()["keys"][0]
    header = jwt.get_unverified_header(token)
    assert header["x5t"] == header["kid"] == key["kid"] == key["x5t"]
    assert key["issuer"] == config["issuer"] == f"{sb.url}/{CONTOSO}/v2.0"
    der = base64.b64decode(key["x5c"][0])
    assert base64.urlsafe_b64encode(hashlib.sha1(der).digest()).rstrip(b"=").decode() == key["x5t"]
    certificate = x509.load_der_x509_certificate(der)
    from_jwk = jwt.PyJWK.from_dict(key).key
    pem = serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    assert certificate.public_key().public_bytes(*pem) == from_jwk.public_bytes(*pem)
    assert jwt.decode(token, certificate.public_key(), algorithms=["RS256"], options={"verify_aud": False})


def test_a_v2_resource_request_fails_in_azure_identity_too(sb: Sandbox) -> None:
    with (
        ClientSecretCredential(CONTOSO, AUTOMATION, AUTOMATION_SECRET, **azure_kwargs(sb)) as credential,
        pytest.raises(ClientAuthenticationError) as caught,
    ):
        credential.get_token("https://nothing-here.example/.default")
    assert aadsts(caught.value) == "AADSTS500011"
