"""Certificates are handed over as what each consumer reads: PEM for azure-identity (Python, Node, Go, .NET) and
az — an unencrypted key, the certificate first, the chain only when the profile sends it — unless PFX is asked
for (`--certificate-format pfx`, with its password); PFX for Terraform, whatever the profile names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from certfactory import make_cert, rsa_key, write_pem, write_pfx
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from entra_profiles.clouds import BUILTIN
from entra_profiles.config.models import Profile
from entra_profiles.exports.material import Material
from entra_profiles.exports.tempfiles import PrivateFiles
from entra_profiles.exports.variables import parse_sets, profile_variables
from entra_profiles.routing import route_for

APP = "0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811"
TENANT = "7f0c1c5e-3d2a-4b8e-9f10-0a1b2c3d4e5f"
PASSWORD = "pfx-password"


def exported(tmp_path: Path, credential: dict[str, Any], sets: str = "all", fmt: str = "pem") -> dict[str, str]:
    profile = Profile.model_validate({"tenant": TENANT, "client_id": APP, "credential": credential})
    route = route_for(BUILTIN["Global"], None)
    files = PrivateFiles({"RUNNER_TEMP": str(tmp_path)})
    material = Material(tmp_path, route, files, None, {})
    found = profile_variables(
        profile, BUILTIN["Global"], route, parse_sets(sets), material, tenant_id=TENANT, certificate_format=fmt
    )
    files.keep()  # read after the block, as the exporting command's caller does
    return {v.name: v.value for v in found}


def chained() -> tuple[x509.Certificate, Any, x509.Certificate]:
    ca, ca_key = make_cert("Contoso Issuing CA", key=rsa_key(1), ca=True)
    leaf, key = make_cert("automation.contoso.com", issuer=(ca, ca_key), key=rsa_key(2))
    return leaf, key, ca


def pem_blocks(path: str) -> tuple[list[x509.Certificate], bytes]:
    """(certificates in file order, the file's bytes); the key must load without a password."""
    data = Path(path).read_bytes()
    serialization.load_pem_private_key(data, None)
    return x509.load_pem_x509_certificates(data[data.index(b"-----BEGIN CERTIFICATE-----") :]), data


def test_a_pfx_becomes_a_pem_with_the_chain_only_when_it_is_sent(tmp_path: Path) -> None:
    leaf, key, ca = chained()
    pfx = write_pfx(tmp_path / "app.pfx", leaf, key, PASSWORD, chain=[ca])
    base = {"type": "certificate", "path": str(pfx), "password": PASSWORD}
    plain = exported(tmp_path, base, "azure-identity")
    assert set(plain) == {"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_CERTIFICATE_PATH"}  # no password
    assert pem_blocks(plain["AZURE_CLIENT_CERTIFICATE_PATH"])[0] == [leaf]
    sent = exported(tmp_path, {**base, "send_certificate_chain": True}, "azure-identity")
    assert pem_blocks(sent["AZURE_CLIENT_CERTIFICATE_PATH"])[0] == [leaf, ca]  # the certificate first
    assert sent["AZURE_CLIENT_SEND_CERTIFICATE_CHAIN"] == "true"


def test_a_pem_file_is_handed_over_in_place_only_when_every_client_reads_it(tmp_path: Path) -> None:
    leaf, key, ca = chained()
    ready = write_pem(tmp_path / "ready.pem", leaf, key, chain=[ca])
    assert exported(tmp_path, {"type": "certificate", "path": str(ready)})["AZURE_CLIENT_CERTIFICATE_PATH"] == str(
        ready
    )
    encrypted = write_pem(tmp_path / "encrypted.pem", leaf, key, password=PASSWORD)
    got = exported(tmp_path, {"type": "certificate", "path": str(encrypted), "password": PASSWORD})
    assert got["AZURE_CLIENT_CERTIFICATE_PATH"] != str(encrypted)  # Node, Go and az cannot decrypt a PEM key
    assert pem_blocks(got["AZURE_CLIENT_CERTIFICATE_PATH"])[0] == [leaf]
    assert "AZURE_CLIENT_CERTIFICATE_PASSWORD" not in got
    chain_first = tmp_path / "chain-first.pem"
    chain_first.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        + ca.public_bytes(serialization.Encoding.PEM)
        + leaf.public_bytes(serialization.Encoding.PEM)
    )
    got = exported(tmp_path, {"type": "certificate", "path": str(chain_first), "send_certificate_chain": True})
    assert pem_blocks(got["AZURE_CLIENT_CERTIFICATE_PATH"])[0] == [leaf, ca]  # Node signs with the first one


def test_pfx_when_asked_and_for_terraform(tmp_path: Path) -> None:
    leaf, key, _ = chained()
    pfx = write_pfx(tmp_path / "app.pfx", leaf, key, PASSWORD)
    got = exported(tmp_path, {"type": "certificate", "path": str(pfx), "password": PASSWORD}, fmt="pfx")
    assert got["AZURE_CLIENT_CERTIFICATE_PATH"] == got["ARM_CLIENT_CERTIFICATE_PATH"] == str(pfx)
    assert got["AZURE_CLIENT_CERTIFICATE_PASSWORD"] == got["ARM_CLIENT_CERTIFICATE_PASSWORD"] == PASSWORD
    pem = write_pem(tmp_path / "app.pem", leaf, key)
    got = exported(tmp_path, {"type": "certificate", "path": str(pem)}, fmt="pfx")
    assert got["AZURE_CLIENT_CERTIFICATE_PATH"] == got["ARM_CLIENT_CERTIFICATE_PATH"] != str(pem)  # one copy
    password = got["AZURE_CLIENT_CERTIFICATE_PASSWORD"]
    loaded = pkcs12.load_pkcs12(Path(got["ARM_CLIENT_CERTIFICATE_PATH"]).read_bytes(), password.encode())
    assert loaded.cert is not None and loaded.cert.certificate == leaf
    got = exported(tmp_path, {"type": "certificate", "path": str(pem)})  # the default: PEM for them, PFX for Terraform
    assert got["AZURE_CLIENT_CERTIFICATE_PATH"] == str(pem)
    assert Path(got["ARM_CLIENT_CERTIFICATE_PATH"]).read_bytes()[:1] == b"\x30"  # DER: PKCS#12
    assert "AZURE_CLIENT_CERTIFICATE_PASSWORD" not in got and got["ARM_CLIENT_CERTIFICATE_PASSWORD"]
