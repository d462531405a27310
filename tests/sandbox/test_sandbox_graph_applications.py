"""Graph's `applications` as batch checks read them: registered secrets and certificates with the end dates
the seed gives (absolute, or relative to the sandbox's start), `$select`, and Graph's refusals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import CertificateCredential, ClientSecretCredential
from sandbox_support import (
    AUTOMATION,
    AUTOMATION_SECRET,
    CONTOSO,
    GRAPH_SCOPE,
    UNCONSENTED,
    aadsts,
    azure_kwargs,
    session,
)

from entra_profiles.sandbox import Sandbox
from entra_profiles.sandbox.example import ExampleWorld
from entra_profiles.sandbox.seed import load_seed

EXPIRING = "2f3e4d5c-6b7a-4890-8123-456789abcdef"
SELECT = "displayName,passwordCredentials,keyCredentials"


def graph(sb: Sandbox, path: str, token: str) -> tuple[int, dict[str, Any]]:
    with session(sb) as http:
        response = http.get(f"{sb.url}/v1.0/{path}", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    return response.status_code, response.json()


def graph_token(sb: Sandbox, client_id: str = AUTOMATION, secret: str = AUTOMATION_SECRET) -> str:
    with ClientSecretCredential(CONTOSO, client_id, secret, **azure_kwargs(sb)) as credential:
        return credential.get_token(GRAPH_SCOPE).token


def days_from_now(iso: str) -> float:
    end = dt.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    return (end - dt.datetime.now(dt.UTC)).total_seconds() / 86400


def test_an_app_reads_its_own_credentials_with_select(sb: Sandbox, example_world: ExampleWorld) -> None:
    token = graph_token(sb, EXPIRING, "exp-secret-contoso-10d")
    status, app = graph(sb, f"applications(appId='{EXPIRING}')?$select={SELECT}", token)
    assert status == 200, app
    assert set(app) == {"@odata.context", "displayName", "passwordCredentials", "keyCredentials"}
    assert app["@odata.context"] == f"{sb.url}/v1.0/$metadata#applications({SELECT})/$entity"
    [secret] = app["passwordCredentials"]
    assert (secret["hint"], secret["displayName"]) == ("exp", "rotate-me")
    assert 9.9 < days_from_now(secret["endDateTime"]) <= 10  # `expires_in: 10d`: ten days after the start
    assert secret["keyId"] and secret["startDateTime"] and secret["secretText"] is None


def test_certificates_by_object_id(sb: Sandbox, example_world: ExampleWorld) -> None:
    token = graph_token(sb)
    status, by_app_id = graph(sb, f"applications(appId='{AUTOMATION}')", token)
    status_2, by_id = graph(sb, f"applications/{by_app_id['id']}?$select=id,keyCredentials", token)
    assert (status, status_2) == (200, 200)
    assert set(by_id) == {"@odata.context", "id", "keyCredentials"}
    main = example_world.certs["contoso-automation"]
    [key] = [k for k in by_id["keyCredentials"] if k["customKeyIdentifier"] == main.thumbprint]
    assert (key["type"], key["usage"], key["displayName"]) == ("AsymmetricX509Cert", "Verify", "CN=Contoso Automation")
    assert 360 < days_from_now(key["endDateTime"]) <= 366  # the certificate's NotAfter
    assert key["keyId"] and key["startDateTime"]


def test_graph_refusals_in_graphs_shape(sb: Sandbox) -> None:
    unconsented = graph_token(sb, UNCONSENTED, "sandbox-secret-unconsented")
    status, body = graph(sb, f"applications(appId='{UNCONSENTED}')", unconsented)
    assert status == 403
    assert body["error"]["code"] == "Authorization_RequestDenied"
    assert body["error"]["message"] == "Insufficient privileges to complete the operation."
    assert set(body["error"]["innerError"]) == {"date", "request-id", "client-request-id"}
    token = graph_token(sb)
    for path in ("applications(appId='00000000-0000-4000-8000-000000000000')", "applications/no-such-object"):
        status, body = graph(sb, path, token)
        assert (status, body["error"]["code"]) == (404, "Request_ResourceNotFound")
    status, body = graph(sb, f"applications(appId='{AUTOMATION}')?$select=displayName,colour", token)
    assert (status, body["error"]["code"]) == (400, "Request_BadRequest")
    assert body["error"]["message"] == "Could not find a property named 'colour' on type 'microsoft.graph.application'."


def test_seed_end_dates_for_secrets_and_certificates(example_world: ExampleWorld, tmp_path: Path) -> None:
    certificate = example_world.certs["contoso-automation"]
    seed = {
        "tenants": [
            {
                "id": CONTOSO,
                "apps": [
                    {
                        "client_id": AUTOMATION,
                        "secrets": [
                            {"value": "short-lived", "expires_in": "5d"},
                            {"value": "gone", "expires_in": "-1h"},
                        ],
                        "certificates": [
                            {"file": str(certificate.cert_pem), "expires_in": "-1d", "display_name": "old"}
                        ],
                        "roles": {"https://graph.microsoft.com": ["Application.Read.All"]},
                    }
                ],
            }
        ]
    }
    with Sandbox(tmp_path, seed) as box:
        status, app = graph(box, f"applications(appId='{AUTOMATION}')", graph_token(box, secret="short-lived"))
        assert status == 200
        ends = [days_from_now(s["endDateTime"]) for s in app["passwordCredentials"]]
        assert 4.9 < ends[0] <= 5 and -0.1 < ends[1] < 0
        [key] = app["keyCredentials"]
        assert key["displayName"] == "old" and -1.1 < days_from_now(key["endDateTime"]) < -0.9
        with pytest.raises(ClientAuthenticationError) as expired_secret:
            graph_token(box, secret="gone")
        with (
            CertificateCredential(CONTOSO, AUTOMATION, str(certificate.pem), **azure_kwargs(box)) as credential,
            pytest.raises(ClientAuthenticationError) as expired_key,
        ):
            credential.get_token(GRAPH_SCOPE)
    assert aadsts(expired_secret.value) == "AADSTS7000222"
    assert aadsts(expired_key.value) == "AADSTS700027" and "The key used is expired" in str(expired_key.value)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"value": "x", "expires_in": "10 days"}, "'10 days' is not a duration such as 10d, 12h, 30m, 45s or -3d"),
        ({"value": "x", "expires_in": "1d", "expires": "2030-01-01T00:00:00Z"}, "give expires or expires_in, not both"),
    ],
)
def test_a_bad_end_date_is_a_seed_error(entry: dict[str, str], message: str) -> None:
    seed = {"tenants": [{"id": CONTOSO, "apps": [{"client_id": AUTOMATION, "secrets": [entry]}]}]}
    with pytest.raises(ValueError, match=message):
        load_seed(seed)
