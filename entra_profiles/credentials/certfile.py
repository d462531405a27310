"""Load a certificate and its private key from PEM (plain or encrypted) or PKCS#12 (PFX) content.

The format is detected by content, not by file name. Key material stays in memory; `repr()` shows
the thumbprint, subject and source, never the key. Messages never hold key material or the password.

The same content with the same password is loaded once per process: cryptography checks an RSA key as
it loads it (about 35 ms of one core for 2048 bits, holding the GIL), and many profiles often share a
certificate (a multi-tenant app signing in to each customer's tenant). The cache is keyed by a digest
of the content and the password, keeps at most CACHED certificates, and never keeps a failure.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from entra_profiles.credentials.dnames import dotnet_name
from entra_profiles.errors import EntraProfilesError
from entra_profiles.regular_files import NotRegularFile, read_regular

MAX_BYTES = 1 << 20
PEM_CERT_RE = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)
PEM_KEY_RE = re.compile(rb"-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----.+?-----END \1-----", re.S)
CACHED = 1024  # distinct certificates kept loaded (a few KB each)
LOAD_WAIT_S = 30.0  # how long a caller waits for another's load of the same content (it takes ms)
NO_KEY_HINT = "export the certificate with its private key (PFX), or a PEM with both"
PASSWORD_HINT = "the password can come from the environment, e.g. password: ${env:CERT_PASSWORD}"


class CertificateError(EntraProfilesError):
    """A certificate that cannot be used: missing file, wrong password, no or wrong key, expired, not found."""

    code = "certificate"  # the `error.code` of a run's report


@dataclass(frozen=True, eq=False)
class LoadedCertificate:
    """A leaf certificate, the certificates after it (chain, in file order) and its RSA private key."""

    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    private_key: rsa.RSAPrivateKey = field(repr=False)
    source: str  # a file path, `…/a.crt + a.key`, or `Key Vault …`

    @property
    def thumbprint_sha1(self) -> str:
        """Upper-case hex SHA-1, the thumbprint Windows and Entra show."""
        return self.certificate.fingerprint(hashes.SHA1()).hex().upper()

    @property
    def thumbprint_sha256(self) -> str:
        return self.certificate.fingerprint(hashes.SHA256()).hex().upper()

    @property
    def subject(self) -> str:
        """The subject as .NET's X509Certificate2.Subject shows it: `CN=app, O=Contoso`."""
        return dotnet_name(self.certificate.subject)

    @property
    def not_before(self) -> datetime:
        return self.certificate.not_valid_before_utc

    @property
    def not_after(self) -> datetime:
        return self.certificate.not_valid_after_utc

    def pem_bytes(self) -> bytes:
        """Unencrypted PKCS#8 key, leaf and chain as PEM, in memory (azure-identity's certificate_data)."""
        key = self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return key + b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (self.certificate, *self.chain))

    def __repr__(self) -> str:
        return f"LoadedCertificate(thumbprint={self.thumbprint_sha1}, subject={self.subject!r}, source={self.source!r})"


def load_certificate_file(path: Path, password: str | None) -> LoadedCertificate:
    """A PEM or PFX file holding a certificate and its private key (raises CertificateError)."""
    try:
        data = read_regular(path, MAX_BYTES)
    except NotRegularFile as exc:  # a named pipe would block the read forever
        hint = None if exc.kind == "a directory" else "give a PEM or PFX file: pipes, devices and sockets are not read"
        raise CertificateError(f"{path} is {exc.kind}, not a certificate file", hint=hint) from None
    except FileNotFoundError:
        raise CertificateError(
            f"certificate file {path} not found", hint="a relative credential.path is relative to the profiles file"
        ) from None
    except PermissionError:
        raise CertificateError(f"cannot read certificate file {path}: permission denied") from None
    except OSError as exc:
        raise CertificateError(f"cannot read certificate file {path}: {exc.strerror}") from None
    if len(data) > MAX_BYTES:
        raise CertificateError(f"{path} is larger than 1 MiB; it is not a certificate file")
    return load_certificate_bytes(data, password, str(path))


_loaded: OrderedDict[bytes, Future[LoadedCertificate]] = OrderedDict()
_loaded_lock = threading.Lock()


def load_certificate_bytes(data: bytes, password: str | None, source: str) -> LoadedCertificate:
    """PEM (key + certificate [+ chain], key maybe encrypted) or PFX, with or without a password; loaded
    once for the same content and password (callers at the same time wait for that one load)."""
    digest = hashlib.sha256(b"%d:%s:" % (len(data), data) + (b"-" if password is None else b"+" + password.encode()))
    key = digest.digest()
    with _loaded_lock:
        loading = _loaded.get(key)
        leader = loading is None
        if loading is None:
            loading = _loaded[key] = Future()
            while len(_loaded) > CACHED:
                _loaded.popitem(last=False)
        else:
            _loaded.move_to_end(key)
    if not leader:
        try:
            found = loading.result(timeout=LOAD_WAIT_S)
        except (CertificateError, TimeoutError):  # it failed for that caller (or is stuck): load it here
            return _load(data, password, source)
        return found if found.source == source else replace(found, source=source)
    try:
        loaded = _load(data, password, source)
    except BaseException as exc:
        with _loaded_lock:
            if _loaded.get(key) is loading:
                del _loaded[key]
        loading.set_exception(exc)
        raise
    loading.set_result(loaded)
    return loaded


def _load(data: bytes, password: str | None, source: str) -> LoadedCertificate:
    if b"-----BEGIN " in data:
        return _from_pem(data, password, source)
    try:
        x509.load_der_x509_certificate(data)
    except ValueError:
        return _from_pfx(data, password, source)
    raise CertificateError(f"{source} holds a certificate but no private key", hint=NO_KEY_HINT)


def _from_pem(data: bytes, password: str | None, source: str) -> LoadedCertificate:
    blocks = PEM_CERT_RE.findall(data)
    try:
        if len(blocks) != data.count(b"-----BEGIN CERTIFICATE-----"):
            raise ValueError("a BEGIN line without its END")
        certs = x509.load_pem_x509_certificates(b"\n".join(blocks)) if blocks else []
    except ValueError:
        raise CertificateError(f"a certificate in {source} is damaged (cut short or altered)") from None
    block = PEM_KEY_RE.search(data)
    if block is None and re.search(rb"-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----", data):  # no END line
        raise CertificateError(f"the private key in {source} is damaged (its END line is missing: cut short?)")
    if not certs:
        if block is None:
            raise _not_a_certificate(source)
        raise CertificateError(f"{source} holds a private key but no certificate", hint=NO_KEY_HINT)
    if block is None:
        raise CertificateError(f"{source} holds a certificate but no private key", hint=NO_KEY_HINT)
    key_pem, encrypted = block.group(0), b"ENCRYPTED" in block.group(0)[:200]
    try:
        key = serialization.load_pem_private_key(key_pem, password.encode() if password and encrypted else None)
    except TypeError:  # encrypted, no password
        raise CertificateError(
            f"the private key in {source} is encrypted; set credential.password", hint=PASSWORD_HINT
        ) from None
    except ValueError:
        if encrypted:
            raise CertificateError(
                f"wrong password for the private key in {source}", hint="check credential.password"
            ) from None
        raise CertificateError(f"the private key in {source} is damaged or in an unknown format") from None
    except UnsupportedAlgorithm:
        raise CertificateError(f"the private key in {source} uses an unsupported algorithm") from None
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
        if not _looks_like_pfx(data):
            raise _not_a_certificate(source)
        declared = _der_length(data)
        if declared != len(data):
            raise CertificateError(f"the PFX file {source} is damaged: {len(data)} bytes where it declares {declared}")
        if password is None:
            raise CertificateError(
                f"the PFX file {source} is protected by a password; set credential.password", hint=PASSWORD_HINT
            )
        raise CertificateError(f"wrong password for PFX file {source}", hint="check credential.password")
    if cert is None:
        raise CertificateError(f"{source} holds no certificate", hint=NO_KEY_HINT)
    if key is None:
        raise CertificateError(f"{source} holds a certificate but no private key", hint=NO_KEY_HINT)
    return _checked([cert, *extra], key, source)


def _looks_like_pfx(data: bytes) -> bool:
    """A DER SEQUENCE whose first element is INTEGER 3 (PFX version), as every PKCS#12 file starts."""
    if len(data) < 8 or data[0] != 0x30:
        return False
    length_bytes = data[1] - 0x80 if data[1] & 0x80 else 0
    return data[2 + length_bytes : 5 + length_bytes] == b"\x02\x01\x03"


def _der_length(data: bytes) -> int:
    """The size a DER value says it has, header included."""
    if not data[1] & 0x80:
        return 2 + data[1]
    n = data[1] & 0x7F
    return 2 + n + int.from_bytes(data[2 : 2 + n], "big")


def _not_a_certificate(source: str) -> CertificateError:
    return CertificateError(
        f"{source} is not a certificate: neither PEM nor PFX (PKCS#12) content",
        hint="give a PFX file, or a PEM file holding the certificate and its private key",
    )


def key_kind(key: Any) -> str:
    """`RSA`, `EC (secp256r1)`, `Ed25519`, `DSA`, … for messages."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return f"EC ({key.curve.name})"
    return type(key).__name__.removesuffix("PrivateKey")


def _checked(certs: list[x509.Certificate], key: Any, source: str) -> LoadedCertificate:
    if not isinstance(key, rsa.RSAPrivateKey):
        raise CertificateError(
            f"the private key in {source} is of type {key_kind(key)}; azure-identity's certificate credential"
            " needs an RSA key",
            hint="create an RSA key (2048 bits or more) and certificate, and upload it to the app registration",
        )
    leaf = next((c for c in certs if c.public_key() == key.public_key()), None)
    if leaf is None:
        raise CertificateError(
            f"the private key in {source} does not belong to its certificate",
            hint="export the certificate together with its own private key",
        )
    return LoadedCertificate(leaf, tuple(c for c in certs if c is not leaf), key, source)
