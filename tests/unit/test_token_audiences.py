"""Which audiences, tenants and expiry times a token may carry (what real Entra gives, see token_checks.py)."""

from __future__ import annotations

import time

import pytest

from entra_profiles.results import Failure
from entra_profiles.token_checks import GRAPH_APP_ID, token_problem

CONTOSO = "7f0c1c5e-3d2a-4b8e-9f10-0a1b2c3d4e5f"
FOREIGN_TENANT = "00000000-0000-4000-8000-00000000f0e1"
GRAPH = "https://graph.microsoft.com"


def claims(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {"aud": GRAPH, "tid": CONTOSO, "exp": int(time.time()) + 3600}
    return {**base, **overrides}


def problem(token_claims: dict[str, object], scope: str = f"{GRAPH}/.default", tenant: str = CONTOSO) -> str | None:
    found: Failure | None = token_problem(token_claims, int(time.time()) + 3600, scope, tenant, None, "Entra")
    return found.code if found is not None else None


@pytest.mark.parametrize(
    ("audience", "scope"),
    [
        (GRAPH, f"{GRAPH}/.default"),
        (GRAPH + "/", f"{GRAPH}/.default"),  # with or without the trailing slash
        ("https://management.azure.com/", "https://management.azure.com//.default"),  # as az asks for ARM
        ("https://management.azure.com", "https://management.azure.com//.default"),
        (GRAPH_APP_ID, f"{GRAPH}/.default"),  # the resource's app id (v2.0 tokens; some v1.0 ones)
        ("9b1c5a4e-1111-4222-8333-444455556666", "api://9b1c5a4e-1111-4222-8333-444455556666/.default"),
        ("9b1c5a4e-1111-4222-8333-444455556666", "api://contoso-api/.default"),  # an app id we cannot know
        ([GRAPH, "https://other"], f"{GRAPH}/.default"),
    ],
)
def test_audiences_entra_gives_for_a_resource(audience: object, scope: str) -> None:
    assert problem(claims(aud=audience), scope) is None


@pytest.mark.parametrize(
    ("audience", "scope"),
    [
        ("https://management.azure.com", f"{GRAPH}/.default"),
        ("cfa8b339-82a2-471a-a3c9-0fc0be7a4093", f"{GRAPH}/.default"),  # Key Vault's app id for a Graph scope
        ("9b1c5a4e-1111-4222-8333-444455556666", "api://00000000-1111-4222-8333-444455556666/.default"),
        (None, f"{GRAPH}/.default"),
    ],
)
def test_audiences_of_another_resource(audience: object, scope: str) -> None:
    assert problem(claims(aud=audience), scope) == "token_audience"


def test_tenants_and_expiry() -> None:
    assert problem(claims(tid=CONTOSO.upper())) is None
    assert problem(claims(tid=FOREIGN_TENANT)) == "token_tenant"
    assert problem(claims(tid=FOREIGN_TENANT), tenant="contoso.onmicrosoft.com") is None  # unknown: no discovery
    assert problem(claims(exp=int(time.time()) - 1)) == "token_expired"
    assert problem(claims(exp=None)) is None  # expiry then from the answer's expires_in
