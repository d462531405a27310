"""Credential material as files other tools can read: certificates (PEM, PFX) and CI tokens.

A certificate given as a file is handed over as it is (azure-identity reads PEM and PFX; Terraform
only PFX, so a PEM file gets a PFX copy). A certificate from a store or from Key Vault exists only in
memory here: it is written to a private temporary file (see tempfiles.py). A PFX written here is
protected by a random password (Terraform's Go PKCS#12 reader needs the legacy 3DES/SHA-1
encryption used here), given alongside as a secret variable.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from entra_profiles.config.models import Certificate, WorkloadIdentity
from entra_profiles.credentials.certfile import LoadedCertificate
from entra_profiles.exports.tempfiles import PrivateFiles
from entra_profiles.redact import REDACTOR
from entra_profiles.routing import Route


class Material:
    """Files for one profile's credential, made on demand and at most once each."""

    def __init__(
        self,
        base_dir: Path,
        route: Route,
        files: PrivateFiles,
        vault_material: tuple[bytes, str] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.base_dir = base_dir
        self.route = route
        self.files = files
        self.vault_material = vault_material
        self.environ = os.environ if environ is None else environ
        self._loaded: LoadedCertificate | None = None
        self._made: dict[str, tuple[str, str | None]] = {}

    def certificate(self, spec: Certificate) -> LoadedCertificate:
        """The certificate and key, loaded (and so checked) once."""
        if self._loaded is None:
            from entra_profiles.credentials.certificate import load

            self._loaded = load(spec, self.base_dir, self.vault_material)
        return self._loaded

    def given_file(self, spec: Certificate) -> tuple[Path, bool] | None:
        """The profile's own certificate file and whether it is PFX; None for a store or Key Vault."""
        if spec.path is None:
            return None
        path = Path(os.path.abspath(self.base_dir / Path(spec.path).expanduser()))
        head = path.read_bytes()[:64].lstrip()
        return path, not head.startswith(b"-----")

    def pem(self, spec: Certificate) -> tuple[str, str | None]:
        """A PEM or PFX file azure-identity can read, and its password."""
        cert = self.certificate(spec)
        given = self.given_file(spec)
        if given is not None:
            return str(given[0]), _password(spec)
        if "pem" not in self._made:
            self._made["pem"] = (str(self.files.write("certificate.pem", cert.pem_bytes())), None)
        return self._made["pem"]

    def pfx(self, spec: Certificate) -> tuple[str, str | None]:
        """A PFX file Terraform can read, and its password."""
        cert = self.certificate(spec)
        given = self.given_file(spec)
        if given is not None and given[1]:
            return str(given[0]), _password(spec)
        if "pfx" not in self._made:
            password = secrets.token_urlsafe(24)
            REDACTOR.register(password)
            path = self.files.write("certificate.pfx", _pfx_bytes(cert, password))
            self._made["pfx"] = (str(path), password)
        return self._made["pfx"]

    def federated_token_file(self, spec: WorkloadIdentity) -> str:
        """The token file azure-identity reads: the profile's own, or a CI token fetched now."""
        if spec.token_file:
            return os.path.abspath(self.base_dir / Path(spec.token_file).expanduser())
        if "token" not in self._made:
            from entra_profiles.credentials.ci_tokens import fetch_ci_token

            token = fetch_ci_token(spec, self.route, self.environ)
            self._made["token"] = (str(self.files.write("federated-token.jwt", token.encode())), None)
        return self._made["token"][0]


def _password(spec: Certificate) -> str | None:
    return spec.password.get_secret_value() if spec.password is not None else None


def _pfx_bytes(cert: LoadedCertificate, password: str) -> bytes:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(50000)
        .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
        .hmac_hash(hashes.SHA1())
        .build(password.encode())
    )
    return pkcs12.serialize_key_and_certificates(
        b"entra-profiles", cert.private_key, cert.certificate, list(getattr(cert, "chain", ())) or None, encryption
    )
