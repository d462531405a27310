"""The ARM slice: the cloud's metadata as `az cloud register` and Terraform read it, and the subscriptions
and tenants az login lists, answered only to an ARM token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jwt
import pytest
import yaml
from azure.core.credentials import TokenCredential
from azure.identity import ClientSecretCredential, ManagedIdentityCredential
from sandbox_support import (
    AUTOMATION,
    AUTOMATION_SECRET,
    CONTOSO,
    FABRIKAM,
    FABRIKAM_APP,
    GRAPH_SCOPE,
    UAMI_CLIENT_ID,
    UNCONSENTED,
    azure_kwargs,
    session,
)

from entra_profiles.sandbox import Sandbox
from entra_profiles.sandbox.example import ExampleWorld

ARM_SCOPE = "https://management.core.windows.net//.default"  # az's: the audience keeps its trailing slash
PRODUCTION, OPERATIONS = "3b4c5d6e-7f80-4a91-b2c3-d4e5f6a7b8c9", "5d6e7f80-9a1b-4c2d-8e3f-a4b5c6d7e8f9"


def arm(sb: Sandbox, path: str, token: str | None, api_version: str | None = "2022-12-01") -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    params = {"api-version": api_version} if api_version else {}
    with session(sb) as http:
        return http.get(f"{sb.info['arm_endpoint']}{path}", params=params, headers=headers, timeout=10)


def token(credential: TokenCredential, scope: str = ARM_SCOPE) -> str:
    with credential:  # type: ignore[attr-defined]
        return credential.get_token(scope).token


def secret_credential(sb: Sandbox, client_id: str = AUTOMATION, secret: str = AUTOMATION_SECRET) -> TokenCredential:
    return ClientSecretCredential(CONTOSO, client_id, secret, **azure_kwargs(sb))


def test_metadata_endpoints_as_az_cloud_register_reads_them(sb: Sandbox) -> None:
    with session(sb) as http:  # az appends /metadata/endpoints to the URL it is given, slash or not
        answers = [
            http.get(f"{sb.url}{slash}metadata/endpoints?api-version=2022-09-01", timeout=10) for slash in ("/", "//")
        ]
    assert [a.status_code for a in answers] == [200, 200]
    meta = answers[1].json()
    assert meta == answers[0].json()
    assert meta["resourceManager"] == meta["microsoftGraphResourceId"] == sb.info["arm_endpoint"]
    assert meta["authentication"]["loginEndpoint"] == sb.info["authority_host"]  # real 2022-09-01: no trailing /
    assert meta["authentication"]["audiences"][0] == "https://management.core.windows.net/"
    assert meta["authentication"]["tenant"] == "common" and meta["authentication"]["identityProvider"] == "AAD"
    for key in ("galleryEndpoint", "graph", "portal", "graphAudience", "activeDirectoryDataLake", "batch", "media",
                "sqlManagement", "vmImageAliasDoc", "microsoftGraphResourceId", "name"):  # fmt: skip
        assert meta[key], key
    assert {"keyVaultDns", "storage", "acrLoginServer", "sqlServerHostname"} <= set(meta["suffixes"])
    hosts = [meta[k] for k in ("portal", "graph", "gallery", "vmImageAliasDoc", "resourceManager",
                               "microsoftGraphResourceId")] + [meta["authentication"]["loginEndpoint"]]  # fmt: skip
    assert all(h.startswith(sb.url) for h in hosts)  # nothing a client would contact leaves loopback
    assert all(s.endswith("sandbox.invalid") for s in meta["suffixes"].values())


def test_subscriptions_of_an_app_with_roles(sb: Sandbox) -> None:
    response = arm(sb, "subscriptions", token(secret_credential(sb)))
    assert response.status_code == 200, response.text
    body = response.json()
    assert [s["subscriptionId"] for s in body["value"]] == [PRODUCTION, OPERATIONS]
    first = body["value"][0]
    assert first["id"] == f"/subscriptions/{PRODUCTION}" and first["tenantId"] == CONTOSO
    assert (first["displayName"], first["state"]) == ("Contoso Production", "Enabled")
    assert body["count"] == {"type": "Total", "value": 2}
    one = arm(sb, f"subscriptions/{OPERATIONS}", token(secret_credential(sb)))
    assert one.json()["displayName"] == "Contoso Operations"


def test_an_app_without_roles_sees_no_subscription_but_its_tenant(sb: Sandbox) -> None:
    unconsented = token(secret_credential(sb, UNCONSENTED, "sandbox-secret-unconsented"))
    assert arm(sb, "subscriptions", unconsented).json()["value"] == []
    tenants = arm(sb, "tenants", unconsented).json()["value"]
    assert [(t["tenantId"], t["displayName"], t["defaultDomain"]) for t in tenants] == [
        (CONTOSO, "Contoso", "contoso.onmicrosoft.com")
    ]
    refused = arm(sb, f"subscriptions/{PRODUCTION}", unconsented)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "AuthorizationFailed")
    missing = arm(sb, "subscriptions/00000000-0000-4000-8000-000000000000", unconsented)
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "SubscriptionNotFound")


def test_managed_identities_and_other_tenants_see_their_own(sb: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", sb.info["imds_authority_host"])
    verify = sb.info["ca_bundle"]
    system = token(ManagedIdentityCredential(connection_verify=verify), "https://management.azure.com/.default")
    assert [s["subscriptionId"] for s in arm(sb, "subscriptions", system).json()["value"]] == [PRODUCTION]
    user = token(ManagedIdentityCredential(client_id=UAMI_CLIENT_ID, connection_verify=verify))
    assert [s["subscriptionId"] for s in arm(sb, "subscriptions", user).json()["value"]] == [OPERATIONS]
    fabrikam = ClientSecretCredential(FABRIKAM, FABRIKAM_APP, "sandbox-secret-fabrikam-1", **azure_kwargs(sb))
    listed = arm(sb, "subscriptions", token(fabrikam)).json()["value"]
    assert [(s["displayName"], s["tenantId"]) for s in listed] == [("Fabrikam Analytics", FABRIKAM)]


def test_arm_answers_only_to_an_arm_token(sb: Sandbox) -> None:
    anonymous = arm(sb, "subscriptions", None)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "AuthenticationFailed"
    assert anonymous.headers["WWW-Authenticate"].startswith(
        f'Bearer authorization_uri="{sb.url}/", error="invalid_token"'
    )
    graph = arm(sb, "subscriptions", token(secret_credential(sb), GRAPH_SCOPE))
    assert (graph.status_code, graph.json()["error"]["code"]) == (401, "InvalidAuthenticationTokenAudience")
    assert "wrong audience or resource 'https://graph.microsoft.com'" in graph.json()["error"]["message"]
    forged = arm(sb, "subscriptions", "a.b.c")
    assert (forged.status_code, forged.json()["error"]["code"]) == (401, "InvalidAuthenticationToken")
    no_version = arm(sb, "tenants", token(secret_credential(sb)), api_version=None)
    assert (no_version.status_code, no_version.json()["error"]["code"]) == (400, "MissingApiVersionParameter")


@pytest.mark.parametrize("slash", ["/", ""])
def test_the_sandboxs_own_origin_is_an_arm_audience_with_arm_and_graph_roles(sb: Sandbox, slash: str) -> None:
    """go-azure-sdk asks for a token for `resourceManager` itself (the sandbox's origin, which is also its Graph):
    ARM answers it as it answers a management.azure.com token, and it carries what was granted for either."""
    resource = sb.info["arm_endpoint"].rstrip("/") + slash
    own = token(secret_credential(sb), f"{resource}/.default")
    response = arm(sb, "subscriptions", own)
    assert response.status_code == 200, response.text
    assert [s["subscriptionId"] for s in response.json()["value"]] == [PRODUCTION, OPERATIONS]
    claims = jwt.decode(own, options={"verify_signature": False})
    assert (claims["aud"], claims["roles"]) == (resource, ["User.Read.All", "Group.Read.All", "Application.Read.All"])


def test_the_own_origins_roles_include_those_granted_for_arm(example_world: ExampleWorld, tmp_path: Path) -> None:
    seed = yaml.safe_load(example_world.seed.read_text())
    seed["tenants"][0]["apps"][0]["roles"]["https://management.azure.com"] = ["Arm.Role"]
    with Sandbox(tmp_path, seed, base_dir=example_world.seed.parent) as box:
        own = jwt.decode(token(secret_credential(box), f"{box.url}/.default"), options={"verify_signature": False})
        public = jwt.decode(token(secret_credential(box)), options={"verify_signature": False})
    assert own["roles"] == ["User.Read.All", "Group.Read.All", "Application.Read.All", "Arm.Role"]
    assert public["roles"] == ["Arm.Role"]


def test_another_loopback_resource_is_not_arm(example_world: ExampleWorld, tmp_path: Path) -> None:
    seed = yaml.safe_load(example_world.seed.read_text())
    seed["tenants"][0]["resources"] = ["https://127.0.0.1:1"]  # known to Entra, yet not this sandbox
    with Sandbox(tmp_path, seed, base_dir=example_world.seed.parent) as box:
        refused = arm(box, "subscriptions", token(secret_credential(box), "https://127.0.0.1:1/.default"))
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "InvalidAuthenticationTokenAudience")
    assert refused.json()["error"]["message"].endswith(f"'{box.url}/','{box.url}'.")
