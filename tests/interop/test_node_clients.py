"""Node's own clients against the sandbox, configured in code as a Node program would: @azure/identity 4.13
(secret, certificate, workload identity, managed identity over IMDS and App Service with every selector) and
@azure/msal-node 7.2 client credentials (secret, SHA-1 and SHA-256 thumbprints, x5c, client assertions).
Each token is verified against the sandbox's JWKS and its claims compared; each refusal is Entra's code."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from interopsupport import GRAPH, VAULT, Demo, verified_claims
from nodesupport import GUARD, drive, identity_case, keyvault_case, node_binary, node_environ, token_of
from sandbox_support import (
    AUTOMATION,
    AUTOMATION_SECRET,
    CONTOSO,
    SYSTEM_MI_OID,
    UAMI_CLIENT_ID,
    UAMI_OID,
    UAMI_RESOURCE_ID,
    write_token_file,
)

CONTOSO_ROLES = ["User.Read.All", "Group.Read.All", "Application.Read.All"]
GRAPH_SCOPE = f"{GRAPH}/.default"


def options(demo: Demo, **more: Any) -> dict[str, Any]:
    """What every @azure/identity credential needs against the sandbox: its host, no instance discovery."""
    return {"authorityHost": demo.box.info["authority_host"], "disableInstanceDiscovery": True, **more}


def key_pem(path: Path) -> str:
    """The private key of a key + certificate PEM file, as PKCS#8 PEM (what msal-node's privateKey takes)."""
    key = serialization.load_pem_private_key(path.read_bytes(), None)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def msal_case(demo: Demo, case_id: str, credential: dict[str, Any]) -> dict[str, Any]:
    host = demo.box.info["authority_host"]
    auth = {
        "clientId": AUTOMATION,
        "authority": f"{host}/{CONTOSO}",
        "knownAuthorities": [urlsplit(host).netloc],  # no instance discovery for a non-Microsoft host
        **credential,
    }
    return {"id": case_id, "client": "msal", "config": {"auth": auth}, "scopes": [GRAPH_SCOPE]}


def certificate_assertion(demo: Demo) -> str:
    """A client assertion signed with the app's certificate, built as the protocol says (RS256, x5t)."""
    main = demo.world.certs["contoso-automation"]
    thumbprint = jwt.utils.base64url_encode(bytes.fromhex(main.thumbprint)).decode()
    now = int(time.time())
    claims = {
        "aud": f"{demo.box.info['authority_host']}/{CONTOSO}/oauth2/v2.0/token",
        "iss": AUTOMATION,
        "sub": AUTOMATION,
        "jti": str(uuid.uuid4()),
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    return jwt.encode(claims, key_pem(main.pem), algorithm="RS256", headers={"x5t": thumbprint})


@pytest.fixture(scope="module")
def results(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every case that needs no environment of its own, in one Node process."""
    main, unregistered = demo.world.certs["contoso-automation"], demo.world.certs["unregistered"]
    token_file = write_token_file(tmp_path_factory.mktemp("node-wi"), demo.box.mint_ci_token())
    pem = str(main.pem)
    cases = [
        identity_case("secret", "ClientSecretCredential", [CONTOSO, AUTOMATION, AUTOMATION_SECRET, options(demo)],
                      GRAPH_SCOPE),
        identity_case("secret-domain", "ClientSecretCredential",
                      ["contoso.onmicrosoft.com", AUTOMATION, AUTOMATION_SECRET, options(demo)], GRAPH_SCOPE),
        identity_case("secret-vault-scope", "ClientSecretCredential",
                      [CONTOSO, AUTOMATION, AUTOMATION_SECRET, options(demo)], f"{VAULT}/.default"),
        identity_case("wrong-secret", "ClientSecretCredential", [CONTOSO, AUTOMATION, "nope", options(demo)],
                      GRAPH_SCOPE),
        identity_case("certificate-path", "ClientCertificateCredential",
                      [CONTOSO, AUTOMATION, {"certificatePath": pem}, options(demo)], GRAPH_SCOPE),
        identity_case("certificate-string", "ClientCertificateCredential",
                      [CONTOSO, AUTOMATION, {"certificate": {"$file": pem}}, options(demo)], GRAPH_SCOPE),
        identity_case("certificate-chain", "ClientCertificateCredential",
                      [CONTOSO, AUTOMATION, {"certificatePath": pem}, options(demo, sendCertificateChain=True)],
                      GRAPH_SCOPE),
        identity_case("certificate-pfx", "ClientCertificateCredential",
                      [CONTOSO, AUTOMATION, {"certificatePath": str(main.pfx)}, options(demo)], GRAPH_SCOPE),
        identity_case("certificate-unregistered", "ClientCertificateCredential",
                      [CONTOSO, AUTOMATION, {"certificatePath": str(unregistered.pem)}, options(demo)], GRAPH_SCOPE),
        identity_case("workload-file", "WorkloadIdentityCredential",
                      [options(demo, tenantId=CONTOSO, clientId=AUTOMATION, tokenFilePath=str(token_file))],
                      GRAPH_SCOPE),
        keyvault_case("vault-secret", "ClientSecretCredential", [CONTOSO, AUTOMATION, AUTOMATION_SECRET, options(demo)],
                      demo.vault(), "fabrikam-secret"),
        msal_case(demo, "msal-secret", {"clientSecret": AUTOMATION_SECRET}),
        msal_case(demo, "msal-sha1", {"clientCertificate": {"thumbprint": main.thumbprint,
                                                            "privateKey": key_pem(main.pem)}}),
        msal_case(demo, "msal-sha256", {"clientCertificate": {"thumbprintSha256": main.thumbprint_sha256,
                                                              "privateKey": key_pem(main.pem)}}),
        msal_case(demo, "msal-x5c", {"clientCertificate": {"thumbprintSha256": main.thumbprint_sha256,
                                                           "privateKey": key_pem(main.pem),
                                                           "x5c": main.cert_pem.read_text()}}),
        msal_case(demo, "msal-assertion-ci", {"clientAssertion": demo.box.mint_ci_token()}),
        msal_case(demo, "msal-assertion-certificate", {"clientAssertion": certificate_assertion(demo)}),
        msal_case(demo, "msal-unregistered", {"clientCertificate": {"thumbprint": unregistered.thumbprint,
                                                                    "privateKey": key_pem(unregistered.pem)}}),
    ]  # fmt: skip
    return drive(cases, node_environ(demo.ca))


@pytest.mark.parametrize(
    "case",
    [
        "secret",
        "secret-domain",
        "certificate-path",
        "certificate-string",
        "certificate-chain",
        "workload-file",
        "msal-secret",
        "msal-sha1",
        "msal-sha256",
        "msal-x5c",
        "msal-assertion-ci",
        "msal-assertion-certificate",
    ],
)
def test_app_only_token(demo: Demo, results: dict[str, Any], case: str) -> None:
    claims = verified_claims(demo.box, token_of(results[case]), GRAPH)
    assert (claims["tid"], claims["appid"], claims["roles"]) == (CONTOSO, AUTOMATION, CONTOSO_ROLES)
    assert (claims["idtyp"], claims["app_displayname"]) == ("app", "Contoso Automation")
    if case.startswith("msal-"):
        assert results[case]["tokenType"] == "Bearer"


def test_key_vault_scope_and_secret(demo: Demo, results: dict[str, Any]) -> None:
    claims = verified_claims(demo.box, token_of(results["secret-vault-scope"]), VAULT)
    assert (claims["tid"], claims["appid"], "roles" in claims) == (CONTOSO, AUTOMATION, False)
    assert results["vault-secret"]["value"] == "sandbox-secret-fabrikam-1"
    assert results["vault-secret"]["version"]


def test_refusals_are_entras(results: dict[str, Any]) -> None:
    assert "AADSTS7000215" in results["wrong-secret"]["error"]["message"]
    assert "AADSTS700027" in results["certificate-unregistered"]["error"]["message"]
    assert "AADSTS700027" in results["msal-unregistered"]["error"]["message"]
    # why exports hand Node a PEM: it reads no PFX
    assert "does not contain a PEM-encoded certificate" in results["certificate-pfx"]["error"]["message"]


SELECTORS: dict[str, tuple[dict[str, str], str]] = {  # case -> (constructor options, the identity's object id)
    "system": ({}, SYSTEM_MI_OID),
    "client-id": ({"clientId": UAMI_CLIENT_ID}, UAMI_OID),
    "object-id": ({"objectId": UAMI_OID}, UAMI_OID),
    "resource-id": ({"resourceId": UAMI_RESOURCE_ID}, UAMI_OID),
}


@pytest.mark.parametrize("endpoint", ["imds", "app-service"])
def test_managed_identity_with_every_selector(demo: Demo, endpoint: str) -> None:
    info = demo.box.info
    env = (
        {"AZURE_POD_IDENTITY_AUTHORITY_HOST": info["imds_authority_host"]}
        if endpoint == "imds"
        else {"IDENTITY_ENDPOINT": info["identity_endpoint"], "IDENTITY_HEADER": info["identity_header"]}
    )
    cases = [identity_case(name, "ManagedIdentityCredential", [selector], GRAPH_SCOPE) for name, (selector, _) in
             SELECTORS.items()]  # fmt: skip
    cases.append(identity_case("vault", "ManagedIdentityCredential", [{}], f"{VAULT}/.default"))
    got = drive(cases, node_environ(demo.ca, env))
    for name, (_, oid) in SELECTORS.items():
        claims = verified_claims(demo.box, token_of(got[name]), GRAPH)
        assert (claims["tid"], claims["oid"], claims["idtyp"]) == (CONTOSO, oid, "app"), name
        assert claims["roles"] == (["User.Read.All"] if oid == SYSTEM_MI_OID else ["Group.Read.All"]), name
        if oid == UAMI_OID:
            assert (claims["appid"], claims["xms_mirid"]) == (UAMI_CLIENT_ID, UAMI_RESOURCE_ID), name
    assert verified_claims(demo.box, token_of(got["vault"]), VAULT)["oid"] == SYSTEM_MI_OID


def test_the_node_guard_refuses_everything_but_loopback(tmp_path: Path) -> None:
    """In a network namespace of its own (nothing could leave even if the guard failed), Node's https, fetch
    and name lookups are refused by the guard, and loopback is not."""
    node = node_binary()
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode:
        pytest.skip("unshare -n is not permitted here: the guard is proven only where nothing can leave")
    script = tmp_path / "probe.mjs"
    script.write_text(PROBE, encoding="utf-8")
    proc = subprocess.run(
        ["unshare", "-n", node, "--require", str(GUARD), str(script)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {
        "https://169.254.169.254/metadata/identity/oauth2/token": "ECONNREFUSED",
        "https://login.microsoftonline.com/common/discovery/instance": "ECONNREFUSED",
        "fetch https://graph.microsoft.com/v1.0/": "ECONNREFUSED",
        "https://127.0.0.1:9/": "ENETUNREACH",  # loopback passes the guard (it is down in the namespace)
    }
    assert proc.stderr.count("network guard:") == 3


PROBE = """
import https from "node:https";
const out = {};
for (const url of ["https://169.254.169.254/metadata/identity/oauth2/token",
                   "https://login.microsoftonline.com/common/discovery/instance", "https://127.0.0.1:9/"]) {
  out[url] = await new Promise((done) => https.get(url, () => done("answered")).on("error", (e) => done(e.code)));
}
try { await fetch("https://graph.microsoft.com/v1.0/"); out["fetch https://graph.microsoft.com/v1.0/"] = "answered"; }
catch (e) { out["fetch https://graph.microsoft.com/v1.0/"] = e.cause?.code ?? e.code; }
console.log(JSON.stringify(out));
"""
