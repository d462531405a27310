"""Load a certificate and its private key from PEM (plain or encrypted) or PKCS#12 (PFX) content.

Key material stays in memory; `repr()` shows the thumbprint, subject and source, never the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from entra_profiles.errors import EntraProfilesError

MAX_BYTES = 1 << 20
PEM_KEY_RE = re.compile(rb"-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----.+?-----END \1-----", re.S)


class CertificateError(EntraProfilesError):
    """A certificate that cannot be used (file, password, key)."""

    code = "certificate"


@dataclass(frozen=True)
class LoadedCertificate:
    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey = field(repr=False)
    chain: tuple[x509.Certificate, ...] = ()
    source: str = ""

    @property
    def thumbprint_sha1(self) -> str:
        return self.certificate.fingerprint(hashes.SHA1()).hex().upper()

    @property
    def thumbprint_sha256(self) -> str:
        return self.certificate.fingerprint(hashes.SHA256()).hex().upper()

    @property
    def subject(self) -> str:
        """The subject as .NET shows it: most specific RDN first (`CN=app, O=Contoso`)."""
        return dotnet_subject(self.certificate)

    @property
    def not_before(self) -> datetime:
        return self.certificate.not_valid_before_utc

    @property
    def not_after(self) -> datetime:
        return self.certificate.not_valid_after_utc

    def pem_bytes(self) -> bytes:
        """Unencrypted key + leaf + chain as PEM, in memory (for azure-identity's certificate_data)."""
        key = self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        certs = [self.certificate, *self.chain]
        return key + b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)

    def __repr__(self) -> str:
        return f"LoadedCertificate(thumbprint={self.thumbprint_sha1}, subject={self.subject!r}, source={self.source!r})"


def dotnet_subject(cert: x509.Certificate) -> str:
    return ", ".join(reversed(cert.subject.rfc4514_string().split(","))) if cert.subject else ""


def load_certificate_file(path: Path, password: str | None) -> LoadedCertificate:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise CertificateError(f"{path} is larger than 1 MiB; it is not a certificate file")
        data = path.read_bytes()
    except FileNotFoundError:
        raise CertificateError(
            f"certificate file {path} not found", hint="paths are relative to the profiles file"
        ) from None
    except IsADirectoryError:
        raise CertificateError(f"{path} is a directory, not a certificate file") from None
    except PermissionError:
        raise CertificateError(f"cannot read certificate file {path}: permission denied") from None
    return load_certificate_bytes(data, password, str(path))


def load_certificate_bytes(data: bytes, password: str | None, source: str) -> LoadedCertificate:
    """PEM (key + certificate [+ chain], key maybe encrypted) or PFX; detected by content."""
    if b"-----BEGIN" in data:
        return _from_pem(data, password, source)
    return _from_pfx(data, password, source)


def _from_pem(data: bytes, password: str | None, source: str) -> LoadedCertificate:
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError:
        certs = []
    if not certs:
        raise CertificateError(f"{source} holds no certificate", hint="give a PEM with the certificate and its key")
    block = PEM_KEY_RE.search(data)
    if block is None:
        raise CertificateError(
            f"{source} holds a certificate but no private key",
            hint="export the certificate with its private key (PFX), or a PEM with both",
        )
    key_pem = block.group(0)
    try:
        key = serialization.load_pem_private_key(key_pem, password.encode() if password else None)
    except TypeError:
        if password is None:
            raise CertificateError(
                f"the private key in {source} is encrypted", hint="set credential.password"
            ) from None
        key = serialization.load_pem_private_key(key_pem, None)  # a password for a plain key: fine
    except ValueError:
        raise CertificateError(
            f"wrong password for the private key in {source}", hint="check credential.password"
        ) from None
    return _checked(certs, key, source)


def _from_pfx(data: bytes, password: str | None, source: str) -> LoadedCertificate:
    attempts = [password.encode(), None] if password else [None, b""]  # a password for an open PFX is fine
    for attempt in attempts:
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(data, attempt)
            break
        except ValueError:
            continue
    else:
        if password is None:
            raise CertificateError(
                f"{source} is not a PEM or PFX certificate, or it is a PFX protected by a password",
                hint="set credential.password for a protected PFX",
            ) from None
        raise CertificateError(f"wrong password for PFX file {source}", hint="check credential.password") from None
    if cert is None:
        raise CertificateError(f"the PFX file {source} holds no certificate")
    if key is None:
        raise CertificateError(
            f"{source} holds a certificate but no private key",
            hint="export the certificate with its private key (PFX), or a PEM with both",
        )
    return _checked([cert, *extra], key, source)


def _checked(certs: list[x509.Certificate], key: Any, source: str) -> LoadedCertificate:
    if not isinstance(key, rsa.RSAPrivateKey):
        kind = type(key).__name__.removeprefix("_").replace("PrivateKey", "")
        raise CertificateError(
            f"the key in {source} is {kind}; Entra client certificates here must be RSA",
            hint="create an RSA key pair (2048 bits or more)",
        )
    public = key.public_key().public_numbers()
    leaf = next((c for c in certs if _numbers(c) == public), None)
    if leaf is None:
        raise CertificateError(
            f"the private key in {source} does not belong to its certificate",
            hint="export the certificate together with its own key",
        )
    chain = tuple(c for c in certs if c is not leaf)
    return LoadedCertificate(leaf, key, chain, source)


def _numbers(cert: x509.Certificate) -> Any:
    pub = cert.public_key()
    return pub.public_numbers() if isinstance(pub, rsa.RSAPublicKey) else None
