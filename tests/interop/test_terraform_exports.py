"""`export --sandbox --vars terraform` points azurerm and azuread at the sandbox. Terraform is not installable here,
so its requests are made as hashicorp/go-azure-sdk makes them: the environment from
`https://{ARM_METADATA_HOSTNAME}/metadata/endpoints?api-version=2022-09-01` (the fields it insists on), the
managed identity token from `ARM_MSI_ENDPOINT` (`?api-version=2018-02-01&resource=…`, `Metadata: true`)."""

from __future__ import annotations

import json

from interopsupport import ARM, Demo, export_json, verified_claims
from sandbox_support import AUTOMATION, CONTOSO, SYSTEM_MI_OID, UAMI_CLIENT_ID, UAMI_OID, session


def test_terraform_reaches_the_sandbox_through_its_metadata(demo: Demo) -> None:
    exported = export_json(demo, "contoso-secret", "--vars", "terraform")
    assert exported == {
        "ARM_TENANT_ID": CONTOSO,
        "ARM_CLIENT_ID": AUTOMATION,
        "ARM_CLIENT_SECRET": "sandbox-secret-contoso-1",
        "ARM_METADATA_HOSTNAME": demo.box.info["arm_metadata_host"],  # the environment comes from there
    }
    with session(demo.box) as http:
        url = f"https://{exported['ARM_METADATA_HOSTNAME']}/metadata/endpoints?api-version=2022-09-01"
        metadata = http.get(url, timeout=10).json()
    # go-azure-sdk's environments.FromEndpoint refuses a document without these
    assert metadata["name"] and metadata["microsoftGraphResourceId"]
    assert metadata["resourceManager"] == metadata["authentication"]["loginEndpoint"] == demo.box.info["arm_endpoint"]


def test_managed_identity_gets_the_sandbox_imds(demo: Demo) -> None:
    for name, oid in (("contoso-mi", SYSTEM_MI_OID), ("contoso-ops-uami", UAMI_OID)):
        exported = export_json(demo, name, "--vars", "terraform")
        assert exported["ARM_USE_MSI"] == "true" and "ARM_ENVIRONMENT" not in exported
        assert exported["ARM_MSI_ENDPOINT"] == f"{demo.box.info['imds_authority_host']}/metadata/identity/oauth2/token"
        params = {"api-version": "2018-02-01", "resource": ARM}
        if "ARM_CLIENT_ID" in exported:
            params["client_id"] = exported["ARM_CLIENT_ID"]
        with session(demo.box) as http:
            answer = http.get(exported["ARM_MSI_ENDPOINT"], params=params, headers={"Metadata": "true"}, timeout=10)
        assert answer.status_code == 200, answer.text
        claims = verified_claims(demo.box, answer.json()["access_token"], ARM)
        assert (claims["tid"], claims["oid"]) == (CONTOSO, oid)
        if oid == UAMI_OID:
            assert claims["appid"] == UAMI_CLIENT_ID


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
