"""`export --sandbox --vars terraform` points azurerm and azuread at the sandbox. Terraform's providers cannot be
downloaded here, so their requests are made exactly as hashicorp/go-azure-sdk (which both use) makes them:

- `environments.FromEndpoint("https://" + ARM_METADATA_HOSTNAME)` reads `{endpoint}/metadata/endpoints?
  api-version=2022-09-01`, insists on `name`, `resourceManager` and `microsoftGraphResourceId`, and takes
  `ResourceManagerAPI(resourceManager)` and `MicrosoftGraphAPI(microsoftGraphResourceId)`: each value is both
  the API's address and the resource a token is asked for (sdk/environments/from_endpoint.go, helpers.go);
- a client secret's token comes from `LoginEndpoint + "/" + tenant + "/oauth2/v2.0/token"`, scope
  `resource + "/.default"` (sdk/auth/client_credentials.go `tokenEndpoint`, sdk/environments/scopes.go `Scope`);
- a managed identity's from `ARM_MSI_ENDPOINT?api-version=2018-02-01&resource=…[&client_id=…]` with
  `Metadata: true` (sdk/auth/managed_identity_authorizer.go);
- Graph calls go to `microsoftGraphResourceId + "/v1.0/…"` (sdk/client/msgraph), ARM's to `resourceManager`.

Every address the metadata names must be the sandbox's: nothing leaves loopback (the network guard is on)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from interopsupport import ARM, Demo, export_json, verified_claims
from sandbox_support import AUTOMATION, CONTOSO, SYSTEM_MI_OID, UAMI_CLIENT_ID, UAMI_OID, session

from entra_profiles.net.sessions import is_loopback

PRODUCTION, OPERATIONS = "Contoso Production", "Contoso Operations"
PRODUCTION_ID = "3b4c5d6e-7f80-4a91-b2c3-d4e5f6a7b8c9"  # the subscription_id of the example's contoso template
GRAPH_ROLES = ["User.Read.All", "Group.Read.All", "Application.Read.All"]  # the seed's, for the automation app


@dataclass(frozen=True)
class Environment:
    """What go-azure-sdk keeps of the metadata for azurerm and azuread."""

    login_endpoint: str  # Authorization.LoginEndpoint
    resource_manager: str  # ResourceManager: endpoint and resource identifier
    microsoft_graph: str  # MicrosoftGraph: endpoint and resource identifier


def from_endpoint(http: requests.Session, metadata_host: str) -> Environment:
    answer = http.get(f"https://{metadata_host}/metadata/endpoints?api-version=2022-09-01", timeout=10)
    assert answer.status_code == 200, answer.text
    meta = answer.json()
    assert meta["name"] and meta["resourceManager"] and meta["microsoftGraphResourceId"]  # else FromEndpoint fails
    login = meta["authentication"]["loginEndpoint"]
    return Environment(login, meta["resourceManager"], meta["microsoftGraphResourceId"])


def secret_token(http: requests.Session, env: Environment, exported: dict[str, str], resource: str) -> str:
    url = f"{env.login_endpoint}/{exported['ARM_TENANT_ID']}/oauth2/v2.0/token"
    form = {
        "client_id": exported["ARM_CLIENT_ID"],
        "client_secret": exported["ARM_CLIENT_SECRET"],
        "grant_type": "client_credentials",
        "scope": f"{resource}/.default",
    }
    answer = http.post(url, data=form, headers={"Accept": "application/json"}, timeout=10)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def msi_token(http: requests.Session, exported: dict[str, str], resource: str) -> str:
    query = {"api-version": "2018-02-01", "resource": resource}
    if "ARM_CLIENT_ID" in exported:
        query["client_id"] = exported["ARM_CLIENT_ID"]
    answer = http.get(exported["ARM_MSI_ENDPOINT"], params=query, headers={"Metadata": "true"}, timeout=10)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def get(http: requests.Session, url: str, token: str, **params: str) -> Any:
    answer = http.get(url, params=params, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert answer.status_code == 200, f"{url}: {answer.status_code} {answer.text}"
    return answer.json()


def subscriptions(http: requests.Session, env: Environment, token: str) -> list[str]:
    listed = get(http, f"{env.resource_manager}subscriptions", token, **{"api-version": "2022-12-01"})["value"]
    return [s["displayName"] for s in listed]


def test_terraform_reaches_the_sandbox_through_its_metadata(demo: Demo) -> None:
    exported = export_json(demo, "contoso-secret", "--vars", "terraform")
    assert exported == {
        "ARM_TENANT_ID": CONTOSO,
        "ARM_CLIENT_ID": AUTOMATION,
        "ARM_CLIENT_SECRET": "sandbox-secret-contoso-1",
        "ARM_SUBSCRIPTION_ID": PRODUCTION_ID,  # the profile's subscription_id: azurerm 4 starts only with one
        "ARM_METADATA_HOSTNAME": demo.box.info["arm_metadata_host"],  # the environment comes from there
    }
    with session(demo.box) as http:
        env = from_endpoint(http, exported["ARM_METADATA_HOSTNAME"])
    base = demo.box.info["arm_endpoint"]
    assert (env.resource_manager, env.microsoft_graph) == (base, base)  # one origin serves ARM and Graph
    assert env.login_endpoint == demo.box.info["authority_host"]  # no trailing slash: no `//TENANT/…`
    assert all(is_loopback(url) for url in (env.login_endpoint, env.resource_manager, env.microsoft_graph))


def test_a_client_secret_signs_in_and_reads_arm_and_graph_as_go_azure_sdk_does(demo: Demo) -> None:
    exported = export_json(demo, "contoso-secret", "--vars", "terraform")
    with session(demo.box) as http:
        env = from_endpoint(http, exported["ARM_METADATA_HOSTNAME"])
        arm_token = secret_token(http, env, exported, env.resource_manager)  # scope https://127.0.0.1:PORT//.default
        claims = verified_claims(demo.box, arm_token, env.resource_manager)
        assert (claims["tid"], claims["appid"]) == (CONTOSO, AUTOMATION)
        assert subscriptions(http, env, arm_token) == [PRODUCTION, OPERATIONS]  # azurerm's ARM calls
        chosen_url = f"{env.resource_manager}subscriptions/{exported['ARM_SUBSCRIPTION_ID']}"
        chosen = get(http, chosen_url, arm_token, **{"api-version": "2022-12-01"})
        assert chosen["displayName"] == PRODUCTION
        graph_token = secret_token(http, env, exported, env.microsoft_graph)
        assert verified_claims(demo.box, graph_token, env.microsoft_graph)["roles"] == GRAPH_ROLES
        org = get(http, f"{env.microsoft_graph}v1.0/organization", graph_token)  # azuread's Graph calls
        assert org["value"][0]["id"] == CONTOSO
        app = get(http, f"{env.microsoft_graph}v1.0/servicePrincipals(appId='{AUTOMATION}')", graph_token)
        assert app["appId"] == AUTOMATION


@pytest.mark.parametrize(
    ("profile", "oid", "subscription", "graph_roles", "organization"),
    [
        ("contoso-mi", SYSTEM_MI_OID, PRODUCTION, ["User.Read.All"], 200),
        ("contoso-ops-uami", UAMI_OID, OPERATIONS, ["Group.Read.All"], 403),  # Graph takes the token, not its roles
    ],
)
def test_a_managed_identity_signs_in_through_arm_msi_endpoint(
    demo: Demo, profile: str, oid: str, subscription: str, graph_roles: list[str], organization: int
) -> None:
    exported = export_json(demo, profile, "--vars", "terraform")
    assert exported["ARM_USE_MSI"] == "true" and "ARM_ENVIRONMENT" not in exported
    assert exported["ARM_MSI_ENDPOINT"] == f"{demo.box.info['imds_authority_host']}/metadata/identity/oauth2/token"
    assert exported.get("ARM_CLIENT_ID") == (UAMI_CLIENT_ID if oid == UAMI_OID else None)
    with session(demo.box) as http:
        env = from_endpoint(http, exported["ARM_METADATA_HOSTNAME"])
        arm_token = msi_token(http, exported, env.resource_manager)
        claims = verified_claims(demo.box, arm_token, env.resource_manager)
        assert (claims["tid"], claims["oid"]) == (CONTOSO, oid)
        assert subscriptions(http, env, arm_token) == [subscription]
        graph_token = msi_token(http, exported, env.microsoft_graph)
        assert verified_claims(demo.box, graph_token, env.microsoft_graph)["roles"] == graph_roles
        headers = {"Authorization": f"Bearer {graph_token}"}
        answer = http.get(f"{env.microsoft_graph}v1.0/organization", headers=headers, timeout=10)
        assert answer.status_code == organization, answer.text


def test_the_msi_endpoint_still_answers_for_arms_public_audience(demo: Demo) -> None:
    exported = export_json(demo, "contoso-ops-uami", "--vars", "terraform")
    with session(demo.box) as http:
        token = msi_token(http, exported, ARM)
    assert verified_claims(demo.box, token, ARM)["appid"] == UAMI_CLIENT_ID


def test_outside_the_sandbox_the_cloud_is_named(demo: Demo) -> None:
    """Without --sandbox the named environment stands (no metadata host of ours); checked offline, on a GUID
    tenant, so nothing is asked of anyone."""
    from clirunner import run_cli

    profiles = demo.root / "guid.yaml"
    profiles.write_text(
        f"version: 1\nprofiles:\n  p:\n    tenant: {CONTOSO}\n    client_id: {AUTOMATION}\n"
        "    cloud: USGov\n    credential: {type: client_secret, secret: s}\n",
        encoding="utf-8",
    )
    r = run_cli("-f", str(profiles), "export", "p", "--vars", "terraform", "--format", "json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["ARM_ENVIRONMENT"] == "usgovernment"
