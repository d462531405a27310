"""Test certificates generated at run time (never committed): self-signed or CA-signed, PEM, PFX, .NET store.

RSA key generation takes ~50 ms, so `rsa_key(n)` caches a few keys; certificates sharing a key are fine
for lookups (their serials and validity differ, and so do their thumbprints).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

DOTNET_MY = Path(".dotnet/corefx/cryptography/x509stores/my")


_RSA_KEYS: dict[tuple[int, int], rsa.RSAPrivateKey] = {}


def rsa_key(n: int = 0, key_size: int = 2048) -> rsa.RSAPrivateKey:
    """The n-th cached RSA key of that size (different n: different keys)."""
    if (n, key_size) not in _RSA_KEYS:
        _RSA_KEYS[n, key_size] = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    return _RSA_KEYS[n, key_size]


@functools.cache
def ec_key(n: int = 0) -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def days(n: float) -> datetime:
    """Now plus n days (negative: in the past), in UTC, to the second."""
    return (datetime.now(UTC) + timedelta(days=n)).replace(microsecond=0)


def make_cert(
    subject_cn: str,
    *,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    key_size: int = 2048,
    issuer: tuple[x509.Certificate, Any] | None = None,
    extra_names: Sequence[x509.NameAttribute] = (),
    key: Any = None,
    ca: bool = False,
) -> tuple[x509.Certificate, Any]:
    """A certificate and its key. Subject in ASN.1 order: extra_names, then CN (.NET shows `CN=…, O=…`)."""
    key = key if key is not None else rsa_key(0, key_size)
    subject = x509.Name([*extra_names, x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)])
    issuer_name, signing_key = (issuer[0].subject, issuer[1]) if issuer else (subject, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or days(-1))
        .not_valid_after(not_after or days(365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    algorithm = hashes.SHA256() if isinstance(signing_key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) else None
    return builder.sign(signing_key, algorithm), key


def sha1(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA1()).hex().upper()


def sha256(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex().upper()


def cert_pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def key_pem(key: Any, password: str | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)  # type: ignore[no-any-return]


def write_pem(
    path: Path, cert: x509.Certificate, key: Any, password: str | None = None, chain: Sequence[x509.Certificate] = ()
) -> Path:
    """Key (PKCS#8, encrypted when a password is given), then the certificate, then the chain."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(key_pem(key, password) + cert_pem(cert, *chain))
    return path


def write_pfx(
    path: Path, cert: x509.Certificate, key: Any, password: str | None = None, chain: Sequence[x509.Certificate] = ()
) -> Path:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pkcs12.serialize_key_and_certificates(b"test", key, cert, list(chain) or None, encryption))
    return path


def write_dotnet_store(home: Path, cert: x509.Certificate, key: Any) -> Path:
    """As .NET's CurrentUser\\My store on Linux keeps it: ~/.dotnet/…/my/{SHA1}.pfx, no password."""
    return write_pfx(home / DOTNET_MY / f"{sha1(cert)}.pfx", cert, key)
