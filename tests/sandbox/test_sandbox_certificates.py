"""Client assertions signed with certificates: azure-identity CertificateCredential and bare msal."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import CertificateCredential
from cryptography.hazmat.primitives import serialization
from sandbox_support import AUTOMATION, CONTOSO, GRAPH_SCOPE, VAULT_SCOPE, aadsts, azure_kwargs, msal_app, verify_token

from entra_profiles.sandbox import Sandbox
from entra_profiles.sandbox.example import PFX_PASSWORD, ExampleWorld
from entra_profiles.sandbox.pki import ClientCert, b64url_thumbprint


def _token_endpoint(sb: Sandbox) -> str:
    return f"{sb.url}/{CONTOSO}/oauth2/v2.0/token"


@pytest.mark.parametrize("send_chain", [False, True])
def test_certificate_credential_pem(sb: Sandbox, example_world: ExampleWorld, send_chain: bool) -> None:
    pem = example_world.certs["contoso-automation"].pem
    kwargs = azure_kwargs(sb)
    with CertificateCredential(CONTOSO, AUTOMATION, str(pem), send_certificate_chain=send_chain, **kwargs) as cred:
        graph = cred.get_token(GRAPH_SCOPE)
        vault = cred.get_token(VAULT_SCOPE)  # msal re-sends the same assertion: must be accepted
    claims = verify_token(sb, graph.token)
    assert (claims["appid"], claims["appidacr"]) == (AUTOMATION, "2")
    assert verify_token(sb, vault.token)["aud"] == "https://vault.azure.net"


@pytest.mark.parametrize("send_chain", [False, True])
def test_certificate_credential_pfx_with_password(sb: Sandbox, example_world: ExampleWorld, send_chain: bool) -> None:
    cert = example_world.certs["contoso-automation-pfx"]
    with CertificateCredential(
        CONTOSO,
        AUTOMATION,
        certificate_data=cert.pfx.read_bytes(),
        password=PFX_PASSWORD,
        send_certificate_chain=send_chain,
        **azure_kwargs(sb),
    ) as credential:
        assert verify_token(sb, credential.get_token(GRAPH_SCOPE).token)["tid"] == CONTOSO


@pytest.mark.parametrize(
    ("name", "reason"), [("unregistered", "The key was not found."), ("contoso-expired", "expired")]
)
def test_unusable_certificate_is_700027(sb: Sandbox, example_world: ExampleWorld, name: str, reason: str) -> None:
    pem = str(example_world.certs[name].pem)
    with (
        CertificateCredential(CONTOSO, AUTOMATION, pem, **azure_kwargs(sb)) as credential,
        pytest.raises(ClientAuthenticationError) as caught,
    ):
        credential.get_token(GRAPH_SCOPE)
    assert aadsts(caught.value) == "AADSTS700027"
    assert reason in str(caught.value)


def _key_pem(cert: ClientCert) -> str:
    key = serialization.load_pem_private_key(cert.pem.read_bytes(), password=None)
    return key.private_bytes(  # type: ignore[union-attr]
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def test_msal_sha256_thumbprint_and_x5c(sb: Sandbox, example_world: ExampleWorld) -> None:
    cert = example_world.certs["contoso-automation"]
    credential = {"private_key": _key_pem(cert), "public_certificate": cert.cert_pem.read_text()}
    with msal_app(sb, AUTOMATION, credential) as app:
        result = app.acquire_token_for_client([GRAPH_SCOPE])
    assert "access_token" in result, result


def _assertion(sb: Sandbox, cert: ClientCert, **overrides: object) -> str:
    now = time.time()
    claims = {"aud": _token_endpoint(sb), "iss": AUTOMATION, "sub": AUTOMATION, "jti": str(uuid.uuid4())}
    claims |= {"iat": now, "nbf": now, "exp": now + 600.5}
    claims.update(overrides)
    headers = {"x5t": b64url_thumbprint(cert.thumbprint)}
    return jwt.encode(claims, _key_pem(cert), algorithm="RS256", headers=headers)


def _with_assertion(sb: Sandbox, assertion: str) -> dict[str, object]:
    with msal_app(sb, AUTOMATION, {"client_assertion": lambda: assertion}) as app:
        result: dict[str, object] = app.acquire_token_for_client([GRAPH_SCOPE])
    return result


def test_hand_made_assertion_with_float_times(sb: Sandbox, example_world: ExampleWorld) -> None:
    assert "access_token" in _with_assertion(sb, _assertion(sb, example_world.certs["contoso-automation"]))


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"aud": "https://login.microsoftonline.com/common/oauth2/v2.0/token"}, 50027),
        ({"exp": time.time() - 3600, "iat": time.time() - 4200, "nbf": time.time() - 4200}, 700024),
        ({"exp": time.time() + 400 * 86400}, 700024),
        ({"nbf": time.time() + 3600, "exp": time.time() + 4000}, 700024),
        ({"exp": "tomorrow"}, 50027),
        ({"sub": "someone-else"}, 700021),
    ],
)
def test_bad_assertions(sb: Sandbox, example_world: ExampleWorld, overrides: dict[str, object], code: int) -> None:
    result = _with_assertion(sb, _assertion(sb, example_world.certs["contoso-automation"], **overrides))
    assert result["error_codes"] == [code], result


def test_broken_jwt_is_50027(sb: Sandbox) -> None:
    result = _with_assertion(sb, "not.a-jwt")
    assert result["error_codes"] == [50027]


def test_replayed_jti_with_another_assertion_is_refused(sb: Sandbox, example_world: ExampleWorld) -> None:
    cert, jti = example_world.certs["contoso-automation"], str(uuid.uuid4())
    first = _assertion(sb, cert, jti=jti)
    assert "access_token" in _with_assertion(sb, first)
    assert "access_token" in _with_assertion(sb, first)  # the same assertion again: msal does this
    result = _with_assertion(sb, _assertion(sb, cert, jti=jti, exp=time.time() + 500))
    assert result["error_codes"] == [50027]
    assert "replay" in str(result["error_description"])


def test_signature_by_another_key_is_700027(sb: Sandbox, example_world: ExampleWorld) -> None:
    registered, other = example_world.certs["contoso-automation"], example_world.certs["unregistered"]
    forged = jwt.encode(
        jwt.decode(_assertion(sb, registered), options={"verify_signature": False}),
        _key_pem(other),
        algorithm="RS256",
        headers={"x5t": b64url_thumbprint(registered.thumbprint)},
    )
    result = _with_assertion(sb, forged)
    assert result["error_codes"] == [700027]
