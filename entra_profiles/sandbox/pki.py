"""Keys and certificates generated at run time: the sandbox CA and TLS certificate, signing keys, and
client certificates for tests and demos. Nothing here is ever committed."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .info import write_private

PUBLIC = 0o644  # certificates: anyone may read them, only their owner may change them (whatever the umask)

UTC = dt.UTC


@dataclass(frozen=True)
class TlsFiles:
    """The CA certificate clients trust, and the server's certificate and key."""

    ca_cert: Path
    server_cert: Path
    server_key: Path


@dataclass(frozen=True)
class ClientCert:
    """A client certificate written by `make_client_cert`."""

    pem: Path  # private key (unencrypted, or encrypted with the password) followed by the certificate
    cert_pem: Path  # the public certificate only: what a seed registers
    pfx: Path  # PKCS#12 with key and certificate, protected by the password (or none)
    thumbprint: str  # SHA-1, upper-case hex: what Entra and the Windows store show
    thumbprint_sha256: str
    password: str | None


def _now() -> dt.datetime:
    return dt.datetime.now(UTC)


def new_rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def key_pem(key: rsa.RSAPrivateKey, password: str | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def load_or_create_key(path: Path) -> rsa.RSAPrivateKey:
    """An RSA key kept in the state dir so that restarts keep the same JWKS."""
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if isinstance(key, rsa.RSAPrivateKey):
            return key
    key = new_rsa_key()
    write_private(path, key_pem(key))
    return key


def thumbprints(cert: x509.Certificate) -> tuple[str, str]:
    """(SHA-1 upper hex, SHA-256 upper hex) of the DER certificate."""
    der = cert.public_bytes(serialization.Encoding.DER)
    return hashlib.sha1(der).hexdigest().upper(), hashlib.sha256(der).hexdigest().upper()


def b64url_thumbprint(hex_digest: str) -> str:
    """The padded base64url form msal puts in `x5t` / `x5t#S256`."""
    return base64.urlsafe_b64encode(bytes.fromhex(hex_digest)).decode()


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _parse_subject(subject: str) -> x509.Name:
    try:
        return x509.Name.from_rfc4514_string(subject)
    except ValueError:
        return _name(subject)


def _ca(key: rsa.RSAPrivateKey) -> x509.Certificate:
    now = _now()
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    return (
        x509.CertificateBuilder()
        .subject_name(_name("entra-profiles sandbox CA"))
        .issuer_name(_name("entra-profiles sandbox CA"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=825))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(key, hashes.SHA256())
    )


def _server(ca: x509.Certificate, ca_key: rsa.RSAPrivateKey, key: rsa.RSAPrivateKey) -> x509.Certificate:
    now = _now()
    ca_ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    san = [
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
        x509.DNSName("localhost"),
    ]
    return (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=397))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, True, False, False, False, False, False, False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def _still_good(cert_path: Path, issuer_path: Path | None = None) -> bool:
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        if cert.not_valid_after_utc < _now() + dt.timedelta(days=1):
            return False
        if issuer_path is not None:
            issuer = x509.load_pem_x509_certificate(issuer_path.read_bytes())
            cert.verify_directly_issued_by(issuer)
        return True
    except (OSError, ValueError, TypeError, InvalidSignature):
        return False


def ensure_tls(state_dir: Path) -> TlsFiles:
    """Create (or reuse, when present and valid) the CA and server certificate in `state_dir`."""
    files = TlsFiles(state_dir / "ca.pem", state_dir / "server.pem", state_dir / "server.key")
    ca_key_path = state_dir / "ca.key"
    if not (ca_key_path.exists() and _still_good(files.ca_cert)):
        ca_key = new_rsa_key()
        write_private(ca_key_path, key_pem(ca_key))
        write_private(files.ca_cert, _ca(ca_key).public_bytes(serialization.Encoding.PEM), PUBLIC)
        files.server_cert.unlink(missing_ok=True)
    if not (files.server_key.exists() and _still_good(files.server_cert, files.ca_cert)):
        loaded = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
        assert isinstance(loaded, rsa.RSAPrivateKey)
        ca = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
        key = new_rsa_key()
        write_private(files.server_key, key_pem(key))
        write_private(files.server_cert, _server(ca, loaded, key).public_bytes(serialization.Encoding.PEM), PUBLIC)
    return files


def make_client_cert(
    directory: Path,
    name: str,
    subject: str | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    password: str | None = None,
    key: rsa.RSAPrivateKey | None = None,
) -> ClientCert:
    """A self-signed client certificate as `{name}.pem` (key + cert), `{name}.cer.pem` and `{name}.pfx`.

    `subject` is an RFC 4514 string (`CN=app,O=Contoso`) or a bare common name; the default is
    `CN={name}`. Validity defaults to one hour ago .. one year ahead.
    """
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = key or new_rsa_key()
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(_parse_subject(subject or f"CN={name}"))
        .issuer_name(_parse_subject(subject or f"CN={name}"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - dt.timedelta(hours=1))
        .not_valid_after(not_after or now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_bytes = cert.public_bytes(serialization.Encoding.PEM)
    pem, cert_pem, pfx = directory / f"{name}.pem", directory / f"{name}.cer.pem", directory / f"{name}.pfx"
    write_private(pem, key_pem(key, password) + cert_bytes)
    write_private(cert_pem, cert_bytes, PUBLIC)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    )
    write_private(pfx, pkcs12.serialize_key_and_certificates(name.encode(), key, cert, None, encryption))
    sha1, sha256 = thumbprints(cert)
    return ClientCert(pem, cert_pem, pfx, sha1, sha256, password)
