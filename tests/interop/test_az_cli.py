"""The Azure CLI (2.91) signs in to the sandbox through `entra-profiles exec`, as docs/export.md shows: `az cloud
register` from the sandbox's ARM metadata, `az login --service-principal` with a secret (on standard input),
a PEM certificate and a federated token, `az login --identity` over IMDS and App Service, and
`az account get-access-token` for Graph, Key Vault and ARM — each token verified against the sandbox's JWKS.
Runs in `make interop` (az takes minutes to install)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azsupport import CLOUD, Az, copy_config, prepare_config_dir
from interopsupport import ARM, GRAPH, VAULT, Demo, verified_claims
from sandbox_support import AUTOMATION, CONTOSO, SYSTEM_MI_OID, UAMI_CLIENT_ID, UAMI_OID, UAMI_RESOURCE_ID

pytestmark = pytest.mark.az

PRODUCTION, OPERATIONS = "Contoso Production", "Contoso Operations"
LOGIN = 'az login --service-principal -u "$AZURE_CLIENT_ID" --tenant "$AZURE_TENANT_ID"'
# docs/export.md's recipe: register the sandbox's cloud from the variables `--vars all` exports, then sign in
REGISTER = (
    'az cloud register -n Sandbox --endpoint-resource-manager "https://$ARM_METADATA_HOSTNAME/" >/dev/null'
    " && az cloud set -n Sandbox"
)


@pytest.fixture(scope="module")
def registered(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A configuration directory in which the sandbox's cloud is registered and active."""
    template = prepare_config_dir(tmp_path_factory.mktemp("az") / "registered")
    Az(demo.box, template).register_cloud()
    return template


@pytest.fixture
def az(demo: Demo, registered: Path, tmp_path: Path) -> Iterator[Az]:
    yield Az(demo.box, copy_config(registered, tmp_path / "azure"))


def token_claims(demo: Demo, az: Az, resource: str | None) -> dict[str, Any]:
    """`az account get-access-token [--resource R]`, verified: signature, issuer, `aud` exactly as asked."""
    args = ["account", "get-access-token", *(["--resource", resource] if resource else [])]
    answer = az.json(*args)
    return verified_claims(demo.box, answer["accessToken"], resource or ARM)


def signed_in(r: Any) -> list[dict[str, Any]]:
    assert r.code == 0, r.err
    accounts: list[dict[str, Any]] = json.loads(r.out)
    return accounts


def test_cloud_register_reads_the_sandbox_metadata(demo: Demo, az: Az) -> None:
    cloud = az.json("cloud", "show", "-n", CLOUD)
    endpoint = demo.box.info["arm_endpoint"]
    assert (cloud["isActive"], cloud["endpoints"]["resourceManager"]) == (True, endpoint)
    assert cloud["endpoints"]["activeDirectory"].rstrip("/") == demo.box.info["authority_host"]


def test_secret_login_through_exec_from_a_fresh_directory(demo: Demo, tmp_path: Path) -> None:
    az = Az(demo.box, prepare_config_dir(tmp_path / "azure"))
    script = f'{REGISTER} && printf %s "$AZURE_CLIENT_SECRET" | {LOGIN} --password @- --output json'
    accounts = signed_in(az.exec(demo.profiles, demo.env, "contoso-secret", script, "--vars", "all"))
    assert [(a["name"], a["tenantId"], a["user"]) for a in accounts] == [
        (name, CONTOSO, {"name": AUTOMATION, "type": "servicePrincipal"}) for name in (PRODUCTION, OPERATIONS)
    ]
    assert {a["cloudName"] for a in accounts} == {CLOUD}
    graph = token_claims(demo, az, GRAPH)
    assert (graph["tid"], graph["appid"], graph["roles"]) == (
        CONTOSO,
        AUTOMATION,
        ["User.Read.All", "Group.Read.All", "Application.Read.All"],
    )
    assert token_claims(demo, az, VAULT)["appid"] == AUTOMATION
    assert token_claims(demo, az, None)["aud"] == "https://management.core.windows.net/"  # az's default, slash kept
    # az's own Graph (`az ad`, `--resource-type ms-graph`) is the cloud's microsoftGraphResourceId: the sandbox's
    own_graph = az.json("account", "get-access-token", "--resource-type", "ms-graph")["accessToken"]
    claims = verified_claims(demo.box, own_graph, demo.box.info["arm_endpoint"])
    assert (claims["appid"], claims["roles"]) == (AUTOMATION, graph["roles"])


@pytest.mark.parametrize("profile", ["contoso-cert-pfx", "contoso-keyvault-cert", "contoso-cert-file"])
def test_certificate_login_with_the_exported_pem(demo: Demo, az: Az, profile: str) -> None:
    # az keeps the certificate's path and reads the file for every token: a private file that exec removes
    # when its command ends must be used inside that command
    script = (
        f'{LOGIN} --certificate "$AZURE_CLIENT_CERTIFICATE_PATH" --output none'
        f" && az account get-access-token --resource {GRAPH} --output json"
    )
    r = az.exec(demo.profiles, demo.env, profile, script)
    assert r.code == 0, r.err
    claims = verified_claims(demo.box, json.loads(r.out)["accessToken"], GRAPH)
    assert (claims["tid"], claims["appid"]) == (CONTOSO, AUTOMATION)
    if profile == "contoso-cert-file":  # a PEM file handed over in place outlives the command
        assert token_claims(demo, az, VAULT)["appid"] == AUTOMATION
    else:
        r = az.run("account", "get-access-token", "--resource", VAULT)
        assert r.code == 1 and "No such file or directory: '" in r.err


def test_federated_token_login(demo: Demo, az: Az) -> None:
    script = f'{LOGIN} --federated-token "@$AZURE_FEDERATED_TOKEN_FILE" --output json'
    accounts = signed_in(az.exec(demo.profiles, demo.env, "contoso-ci", script))
    assert accounts[0]["name"] == PRODUCTION
    claims = token_claims(demo, az, GRAPH)
    assert (claims["tid"], claims["appid"], claims["appidacr"]) == (CONTOSO, AUTOMATION, "2")


@pytest.mark.parametrize(
    ("profile", "selector", "oid"),
    [("contoso-mi", "", SYSTEM_MI_OID), ("contoso-ops-uami", '--client-id "$AZURE_CLIENT_ID"', UAMI_OID)],
)
def test_identity_login_over_imds_from_the_export(demo: Demo, az: Az, profile: str, selector: str, oid: str) -> None:
    # az remembers no managed identity endpoint: the export's AZURE_POD_IDENTITY_AUTHORITY_HOST must be there for
    # every az command, so they run inside one exec (outside, az would go to 169.254.169.254, which the guard stops)
    script = (
        f"az login --identity {selector} --output none && az account get-access-token --resource {GRAPH} --output json"
    )
    r = az.exec(demo.profiles, demo.env, profile, script)
    assert r.code == 0, r.err
    claims = verified_claims(demo.box, json.loads(r.out)["accessToken"], GRAPH)
    assert (claims["tid"], claims["oid"]) == (CONTOSO, oid)
    account = az.json("account", "show")
    assert (account["name"], account["user"]["assignedIdentityInfo"]) == (
        (PRODUCTION, "MSI") if oid == SYSTEM_MI_OID else (OPERATIONS, f"MSIClient-{UAMI_CLIENT_ID}")
    )


@pytest.mark.parametrize(
    ("endpoint", "selector"),
    [
        ("imds", ["--object-id", UAMI_OID]),
        ("imds", ["--resource-id", UAMI_RESOURCE_ID]),
        ("app-service", []),
        ("app-service", ["--client-id", UAMI_CLIENT_ID]),
        ("app-service", ["--object-id", UAMI_OID]),
        ("app-service", ["--resource-id", UAMI_RESOURCE_ID]),
    ],
)
def test_identity_login_with_every_selector(demo: Demo, az: Az, endpoint: str, selector: list[str]) -> None:
    info = demo.box.info
    env = (
        {"AZURE_POD_IDENTITY_AUTHORITY_HOST": info["imds_authority_host"]}
        if endpoint == "imds"
        else {"IDENTITY_ENDPOINT": info["identity_endpoint"], "IDENTITY_HEADER": info["identity_header"]}
    )
    r = az.run("login", "--identity", *selector, "--output", "json", env=env)
    assert signed_in(r)[0]["name"] == (OPERATIONS if selector else PRODUCTION)
    answer = az.json("account", "get-access-token", "--resource", GRAPH, env=env)
    claims = verified_claims(demo.box, answer["accessToken"], GRAPH)
    assert claims["oid"] == (UAMI_OID if selector else SYSTEM_MI_OID)


def test_a_wrong_secret_is_entras_answer(demo: Demo, az: Az) -> None:
    script = f"printf %s not-the-secret | {LOGIN} --password @-"
    r = az.exec(demo.profiles, demo.env, "contoso-secret", script)
    assert (r.code, r.out) == (1, "")
    assert "ERROR: AADSTS7000215: Invalid client secret provided." in r.err
