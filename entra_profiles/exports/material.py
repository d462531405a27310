"""Credential material as files other tools can read: certificates (PEM, PFX) and CI tokens.

PEM is what every azure-identity (Python, Node, Go, .NET) and the az CLI read: an unencrypted key, the
certificate first, then its chain when the profile sends it (Node and az take PEM only; Node takes
the first certificate as the one to sign with). A PEM file the profile names is handed over in place
when it is already such a file; anything else (a PFX, an encrypted key, a store or Key Vault
certificate) becomes a private temporary PEM file (see tempfiles.py). Terraform reads PFX only: a PFX
file the profile names is handed over in place, anything else becomes a private PFX protected by a
random password (with the legacy 3DES/SHA-1 encryption that Terraform's Go PKCS#12 reader needs),
given alongside as a secret variable.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from entra_profiles.config.models import Certificate, WorkloadIdentity
from entra_profiles.credentials.certfile import LoadedCertificate
from entra_profiles.exports.tempfiles import PrivateFiles
from entra_profiles.redact import REDACTOR
from entra_profiles.routing import Route

if TYPE_CHECKING:
    from entra_profiles.deadlines import Deadline

END_CERTIFICATE = b"-----END CERTIFICATE-----\n"


class Material:
    """Files for one profile's credential, made on demand and at most once each."""

    def __init__(
        self,
        base_dir: Path,
        route: Route,
        files: PrivateFiles,
        vault_material: tuple[bytes, str] | None = None,
        environ: Mapping[str, str] | None = None,
        deadline: Deadline | None = None,
        retries: int = 3,
    ) -> None:
        self.deadline, self.retries = deadline, retries  # for a CI token fetched now
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

    def pem(self, spec: Certificate) -> str:
        """A PEM file every azure-identity and the az CLI read: unencrypted key, certificate [+ chain]."""
        cert = self.certificate(spec)
        given = self.given_file(spec)
        if given is not None and not given[1] and _readable_everywhere(given[0], cert):
            return str(given[0])
        if "pem" not in self._made:
            data = cert.pem_bytes()  # key, certificate, chain
            if not spec.send_certificate_chain:
                end = data.index(END_CERTIFICATE) + len(END_CERTIFICATE)
                data = data[:end]
            self._made["pem"] = (str(self.files.write("certificate.pem", data)), None)
        return self._made["pem"][0]

    def pfx(self, spec: Certificate) -> tuple[str, str | None]:
        """A PFX file Terraform (and azure-identity, when asked for PFX) can read, and its password."""
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

            token = fetch_ci_token(spec, self.route, self.environ, self.deadline, self.retries)
            self._made["token"] = (str(self.files.write("federated-token.jwt", token.encode())), None)
        return self._made["token"][0]


def _readable_everywhere(path: Path, cert: LoadedCertificate) -> bool:
    """Whether a PEM file holds an unencrypted key and the loaded certificate first (Node signs with the
    first certificate it finds, and neither Node, Go nor az decrypt a PEM key)."""
    from cryptography import x509

    from entra_profiles.credentials.certfile import PEM_CERT_RE

    data = path.read_bytes()
    first = PEM_CERT_RE.search(data)
    if b"ENCRYPTED" in data or first is None:
        return False
    return x509.load_pem_x509_certificate(first.group(0)) == cert.certificate


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
