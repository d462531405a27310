"""Node's @azure/identity and @azure/keyvault-secrets configured by nothing but our exports — `--format sh`
sourced by bash, `--format json` as an environment — for every profile of profiles.example.yaml; and the
Key Vault read that a domain tenant used to break (Key Vault's challenge names the tenant's GUID, and
azure-identity's multi-tenant guard refused a credential configured with the domain)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from exportsupport import source_and_run
from interopsupport import GRAPH, Demo, example_credentials, export, export_json, non_mi_profiles, verified_claims
from nodesupport import drive, identity_case, keyvault_case, node_environ, sourced, token_of
from sandbox_support import AUTOMATION, CONTOSO, FABRIKAM, FABRIKAM_APP, SYSTEM_MI_OID, UAMI_CLIENT_ID, UAMI_OID
from testenv import scrubbed_environ

CONTOSO_ROLES = ["User.Read.All", "Group.Read.All", "Application.Read.All"]
VAULT_SECRET = ("fabrikam-secret", "sandbox-secret-fabrikam-1")  # a secret of Contoso's vault contoso-ops
NO_DISCOVERY = {"disableInstanceDiscovery": True}  # the one thing no variable can say (ecosystem-clients.md)


def expected(name: str) -> tuple[str, str, list[str]]:
    """(tenant GUID, app, Graph roles) a profile of the example signs in as."""
    if name.startswith("fabrikam"):
        return FABRIKAM, FABRIKAM_APP, ["Reports.Read.All"]
    return CONTOSO, AUTOMATION, CONTOSO_ROLES


def environment_credential(name: str) -> str:
    """EnvironmentCredential reads a secret or a certificate; a federated token file is WorkloadIdentity's."""
    kind = example_credentials()[name]
    return "WorkloadIdentityCredential" if kind == "workload_identity" else "EnvironmentCredential"


def cases_for(name: str, demo: Demo) -> list[dict[str, Any]]:
    scope = f"{GRAPH}/.default"
    cases = [
        identity_case("environment", environment_credential(name), [NO_DISCOVERY], scope),
        identity_case("default", "DefaultAzureCredential", [NO_DISCOVERY], scope),
    ]
    if not name.startswith("fabrikam"):  # Fabrikam's app is no reader of Contoso's vault
        cases.append(keyvault_case("vault", "DefaultAzureCredential", [NO_DISCOVERY], demo.vault(), VAULT_SECRET[0]))
    return cases


def check(name: str, results: dict[str, Any], demo: Demo) -> None:
    tid, app, roles = expected(name)
    for case in ("environment", "default"):
        claims = verified_claims(demo.box, token_of(results[case]), GRAPH)
        assert (claims["tid"], claims["appid"], claims["roles"]) == (tid, app, roles), case
    if "vault" in results:
        assert results["vault"].get("value") == VAULT_SECRET[1], results["vault"]


@pytest.mark.parametrize("name", non_mi_profiles())
def test_sourced_sh_export_signs_node_in(demo: Demo, tmp_path: Path, name: str) -> None:
    script = tmp_path / "vars.sh"
    r = export(demo, name, "--format", "sh", "-o", str(script))
    assert r.code == 0, r.err
    assert f"export AZURE_TENANT_ID={expected(name)[0]}\n" in script.read_text()  # the GUID, never the domain
    check(name, drive(cases_for(name, demo), node_environ(demo.ca), sourced(script)), demo)


# one profile of each credential source (sh covers every profile above)
@pytest.mark.parametrize("name", ["contoso-secret", "contoso-cert-pfx", "contoso-keyvault-cert", "contoso-ci"])
def test_json_export_as_environment_signs_node_in(demo: Demo, name: str) -> None:
    exported = export_json(demo, name)
    assert exported["AZURE_TENANT_ID"] == expected(name)[0]
    cases = cases_for(name, demo)
    path = exported.get("AZURE_CLIENT_CERTIFICATE_PATH")
    if path is not None:  # PEM by default, which Node reads (a PFX fails there)
        assert Path(path).read_bytes().lstrip().startswith(b"-----BEGIN ")
        assert "AZURE_CLIENT_CERTIFICATE_PASSWORD" not in exported
        tid, app, _ = expected(name)
        options = {**NO_DISCOVERY, "authorityHost": exported["AZURE_AUTHORITY_HOST"]}
        args = [tid, app, {"certificatePath": path}, options]
        cases.append(identity_case("certificate", "ClientCertificateCredential", args, f"{GRAPH}/.default"))
    results = drive(cases, node_environ(demo.ca, exported))
    check(name, results, demo)
    if path is not None:  # the exported file given to the credential in code, as a Node program would
        claims = verified_claims(demo.box, token_of(results["certificate"]), GRAPH)
        assert (claims["tid"], claims["appid"]) == expected(name)[:2]


@pytest.mark.parametrize(("name", "oid"), [("contoso-mi", SYSTEM_MI_OID), ("contoso-ops-uami", UAMI_OID)])
def test_managed_identity_export_signs_node_in(demo: Demo, tmp_path: Path, name: str, oid: str) -> None:
    script = tmp_path / "vars.sh"
    assert export(demo, name, "-o", str(script)).code == 0
    scope = f"{GRAPH}/.default"
    cases = [
        identity_case("default", "DefaultAzureCredential", [NO_DISCOVERY], scope),  # reads AZURE_CLIENT_ID
        keyvault_case("vault", "DefaultAzureCredential", [NO_DISCOVERY], demo.vault(), VAULT_SECRET[0]),
    ]
    results = drive(cases, node_environ(demo.ca), sourced(script))
    claims = verified_claims(demo.box, token_of(results["default"]), GRAPH)
    assert (claims["tid"], claims["oid"]) == (CONTOSO, oid)
    if name == "contoso-ops-uami":
        assert claims["appid"] == UAMI_CLIENT_ID
        assert results["vault"]["error"]["name"] == "RestError"  # not a reader of the vault: Key Vault's 403
    else:
        assert results["vault"].get("value") == VAULT_SECRET[1], results["vault"]


# A Python program that knows nothing of us: DefaultAzureCredential and SecretClient from the environment
# (plus the CA and instance discovery, which no variable says), printing the secret it read.
PYTHON_VAULT_CHILD = """
import sys
from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient
ca, vault, name = sys.argv[1:4]
credential = DefaultAzureCredential(disable_instance_discovery=True, connection_verify=ca)
client = SecretClient(vault, credential, verify_challenge_resource=False, connection_verify=ca)
print(client.get_secret(name).value)
"""


@pytest.mark.parametrize("name", ["contoso-secret", "contoso-cert-pfx", "contoso-ci", "contoso-mi"])
def test_sourced_sh_export_reads_key_vault_from_python(demo: Demo, tmp_path: Path, name: str) -> None:
    script, child = tmp_path / "vars.sh", tmp_path / "child.py"
    child.write_text(PYTHON_VAULT_CHILD, encoding="utf-8")
    assert export(demo, name, "-o", str(script)).code == 0
    proc = subprocess.run(
        [*sourced(script), sys.executable, str(child), demo.ca, demo.vault(), VAULT_SECRET[0]],
        env=scrubbed_environ(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (proc.returncode, proc.stdout) == (0, VAULT_SECRET[1] + "\n"), proc.stderr[-2000:]


def test_domain_tenant_export_names_the_guid_in_every_set(demo: Demo) -> None:
    exported = export_json(demo, "contoso-secret", "--vars", "all")
    assert exported["AZURE_TENANT_ID"] == exported["ARM_TENANT_ID"] == CONTOSO
    assert json.dumps(exported).count("contoso.onmicrosoft.com") == 0


def test_pfx_on_request_is_read_by_python_not_by_node(demo: Demo, tmp_path: Path) -> None:
    script = tmp_path / "vars.sh"
    r = export(demo, "contoso-cert-pfx", "--certificate-format", "pfx", "-o", str(script))
    assert r.code == 0, r.err
    assert "export AZURE_CLIENT_CERTIFICATE_PASSWORD=" in script.read_text()
    python = source_and_run(tmp_path, script, "environment", demo.ca)
    assert python.returncode == 0, python.stderr[-2000:]
    assert (json.loads(python.stdout)["tid"], json.loads(python.stdout)["appid"]) == (CONTOSO, AUTOMATION)
    cases = [identity_case("environment", "EnvironmentCredential", [NO_DISCOVERY], f"{GRAPH}/.default")]
    node = drive(cases, node_environ(demo.ca), sourced(script))["environment"]
    assert "does not contain a PEM-encoded certificate" in node["error"]["message"]
