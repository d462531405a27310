"""A custom cloud's Graph is one more alias of the sandbox's Graph: `https://graph.DOMAIN`, or a resource
the seed lists under `graph_aliases`. Its tokens carry the roles granted for Graph; Graph accepts them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jwt
import pytest
import yaml
from azure.identity import ClientSecretCredential
from sandbox_support import AUTOMATION, AUTOMATION_SECRET, CONTOSO, azure_kwargs, session

from entra_profiles.sandbox import Sandbox
from entra_profiles.sandbox.example import ExampleWorld

GRAPH_ROLES = ["User.Read.All", "Group.Read.All", "Application.Read.All"]  # granted for graph.microsoft.com


def token_for(sb: Sandbox, resource: str) -> tuple[str, dict[str, Any]]:
    with ClientSecretCredential(CONTOSO, AUTOMATION, AUTOMATION_SECRET, **azure_kwargs(sb)) as credential:
        token = credential.get_token(f"{resource}/.default").token
    return token, jwt.decode(token, options={"verify_signature": False})


def organization(sb: Sandbox, token: str) -> tuple[int, dict[str, Any]]:
    with session(sb) as http:
        response = http.get(
            f"{sb.info['graph_endpoint']}/v1.0/organization", headers={"Authorization": f"Bearer {token}"}, timeout=5
        )
    return response.status_code, response.json()


@pytest.mark.parametrize(
    "resource",
    ["https://graph.lab.contoso.example", "https://graph.local.azurestack.external", "https://Graph.Lab.Example:8443"],
)
def test_a_graph_named_custom_cloud_resource_is_graph(sb: Sandbox, resource: str) -> None:
    token, claims = token_for(sb, resource)
    assert claims["aud"] == resource  # the audience production would have: scopes never change
    assert claims["roles"] == GRAPH_ROLES
    status, body = organization(sb, token)
    assert status == 200 and body["value"][0]["id"] == CONTOSO


def test_other_resources_are_not_graph(example_world: ExampleWorld, tmp_path: Path) -> None:
    others = ["https://api.lab.example/graph", "https://autograph.example", "api://graph.example"]
    seed = yaml.safe_load(example_world.seed.read_text())
    seed["tenants"][0]["resources"] = others  # known to Entra (else AADSTS500011), yet not Graph
    with Sandbox(tmp_path, seed, base_dir=example_world.seed.parent) as box:
        for resource in others:
            token, claims = token_for(box, resource)
            assert "roles" not in claims
            status, body = organization(box, token)
            assert status == 401
            assert body["error"]["message"] == "Access token validation failure. Invalid audience."


def test_the_seed_names_graph_aliases_the_rule_does_not_cover(example_world: ExampleWorld, tmp_path: Path) -> None:
    seed = yaml.safe_load(example_world.seed.read_text())
    seed["graph_aliases"] = ["HTTPS://api.lab.example/graph/"]
    with Sandbox(tmp_path, seed, base_dir=example_world.seed.parent) as box:
        token, claims = token_for(box, "https://api.lab.example/graph")
        assert claims["roles"] == GRAPH_ROLES
        assert organization(box, token)[0] == 200
        vault_token, vault_claims = token_for(box, "https://vault.azure.net")
        assert organization(box, vault_token)[0] == 401 and "roles" not in vault_claims
