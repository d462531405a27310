"""Managed identity endpoints as IMDS and App Service answer: the trailing slash msal-node sends, App
Service's `principal_id`, and no silent fall-back to the system-assigned identity for a selector they do
not know; an unknown resource refused as each endpoint refuses it."""

from __future__ import annotations

from typing import Any

import pytest
from azure.identity import ManagedIdentityCredential
from sandbox_support import GRAPH_SCOPE, SYSTEM_MI_OID, UAMI_CLIENT_ID, UAMI_OID, session, verify_token

from entra_profiles.sandbox import Sandbox

IMDS = "/metadata/identity/oauth2/token"
GRAPH = "https://graph.microsoft.com"


def imds(sb: Sandbox, path: str = IMDS, **params: str) -> Any:
    with session(sb) as http:
        query = {"api-version": "2018-02-01", "resource": GRAPH, **params}
        return http.get(f"{sb.url}{path}", params=query, headers={"Metadata": "true"}, timeout=10)


def app_service(sb: Sandbox, **params: str) -> Any:
    with session(sb) as http:
        query = {"api-version": "2019-08-01", "resource": GRAPH, **params}
        headers = {"X-IDENTITY-HEADER": sb.info["identity_header"]}
        return http.get(sb.info["identity_endpoint"], params=query, headers=headers, timeout=10)


@pytest.mark.parametrize(("params", "oid"), [({}, SYSTEM_MI_OID), ({"client_id": UAMI_CLIENT_ID}, UAMI_OID)])
def test_imds_accepts_the_trailing_slash_msal_node_sends(sb: Sandbox, params: dict[str, str], oid: str) -> None:
    response = imds(sb, IMDS + "/", **params)
    assert response.status_code == 200, response.text
    assert verify_token(sb, response.json()["access_token"], audience=GRAPH)["oid"] == oid


@pytest.mark.parametrize("selector", ["principal_id", "object_id"])
def test_app_service_honours_principal_id_and_object_id(sb: Sandbox, selector: str) -> None:
    response = app_service(sb, **{selector: UAMI_OID})
    assert response.status_code == 200, response.text
    claims = verify_token(sb, response.json()["access_token"], audience=GRAPH)
    assert (claims["oid"], response.json()["client_id"]) == (UAMI_OID, UAMI_CLIENT_ID)


def test_azure_identity_object_id_over_app_service(sb: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDENTITY_ENDPOINT", sb.info["identity_endpoint"])
    monkeypatch.setenv("IDENTITY_HEADER", sb.info["identity_header"])
    config = {"object_id": UAMI_OID}
    with ManagedIdentityCredential(identity_config=config, connection_verify=sb.info["ca_bundle"]) as credential:
        assert verify_token(sb, credential.get_token(GRAPH_SCOPE).token)["oid"] == UAMI_OID


@pytest.mark.parametrize(
    ("endpoint", "params", "message"),
    [
        ("imds", {"principal_id": UAMI_OID}, "Unknown identity selector 'principal_id'"),
        ("imds", {"resource_id": "/subscriptions/x"}, "Unknown identity selector 'resource_id'"),
        ("imds", {"client_id": ""}, "The identity selector 'client_id' is empty."),
        ("app_service", {"msi_res_id": "/subscriptions/x"}, "Unknown identity selector 'msi_res_id'"),
        ("app_service", {"clientid": UAMI_CLIENT_ID}, "Unknown identity selector 'clientid'"),
        ("app_service", {"principal_id": ""}, "The identity selector 'principal_id' is empty."),
        ("app_service", {"principal_id": "00000000-0000-4000-8000-000000000000"}, "Identity not found"),
    ],
)
def test_an_unknown_selector_never_falls_back_to_the_system_identity(
    sb: Sandbox, endpoint: str, params: dict[str, str], message: str
) -> None:
    response = imds(sb, **params) if endpoint == "imds" else app_service(sb, **params)
    assert response.status_code == 400
    body = response.json()
    said = body["error_description"] if endpoint == "imds" else body["message"]
    assert said.startswith(message), said
    assert "access_token" not in body


def test_an_unknown_resource_is_refused_as_each_endpoint_refuses_it(sb: Sandbox) -> None:
    refused = imds(sb, resource="https://unknown.example")
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_resource"
    assert refused.json()["error_description"].startswith(
        "AADSTS500011: The resource principal named https://unknown.example was not found in the tenant named Contoso."
    )
    vague = app_service(sb, resource="https://unknown.example")  # App Service hides the reason (msal's notes)
    assert (vague.status_code, vague.json()["message"]) == (
        500,
        "An unexpected error occured while fetching the AAD Token.",
    )
    assert imds(sb, resource="https://management.core.windows.net/").json()["resource"] == (
        "https://management.core.windows.net/"
    )
