"""Find a certificate by thumbprint or subject in certificate store folders, as Connect-MgGraph does.

Folders, in order: the profile's `stores`, those in ENTRA_PROFILES_CERT_STORE, and the .NET
CurrentUser\\My store on Linux (~/.dotnet/corefx/cryptography/x509stores/my, one {THUMBPRINT}.pfx
each). A folder holds PFX/P12 files, PEM files with certificate and key, or name.pem/.crt/.cer + name.key.
Rules: only certificates valid now; subject is a whole, case-insensitive DN match in either RDN order;
among several matches the latest NotBefore wins (a tie: the first in folder order). When nothing
matches, the error says what was found instead. Nothing is cached: `scan_stores` once per run and
`find_by_*` per profile, or `find` for both. The scan is pure (no shared state), so thread-safe.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from entra_profiles.config.fields import normalize_thumbprint
from entra_profiles.credentials.certfile import (
    NO_KEY_HINT,
    PEM_KEY_RE,
    CertificateError,
    LoadedCertificate,
    load_certificate_bytes,
)
from entra_profiles.credentials.dnames import name_key, parse_dn

STORE_ENV = "ENTRA_PROFILES_CERT_STORE"
DOTNET_MY = Path(".dotnet/corefx/cryptography/x509stores/my")
PFX_SUFFIXES = {".pfx", ".p12"}
CERT_SUFFIXES = {".pem", ".crt", ".cer"}
RENEW_HINT = "renew the certificate and upload its public part to the app registration"
WHERE_HINT = f"check {STORE_ENV}, the profile's stores, or ~/{DOTNET_MY.as_posix()}"


class CertificateNotFound(CertificateError):
    """No certificate valid now matches the thumbprint or subject."""

    code = "certificate_not_found"


def default_store_folders(environ: Mapping[str, str]) -> list[Path]:
    """The folders in ENTRA_PROFILES_CERT_STORE (os.pathsep-separated), then the .NET CurrentUser\\My folder."""
    folders = [Path(p).expanduser() for p in environ.get(STORE_ENV, "").split(os.pathsep) if p.strip()]
    home = environ.get("HOME")
    return [*folders, (Path(home) if home else Path.home()) / DOTNET_MY]


def store_folders(profile_stores: list[Path] | None, environ: Mapping[str, str]) -> list[Path]:
    """The profile's stores (already resolved by the caller), then the defaults; absolute, no duplicates."""
    unique: dict[Path, None] = {}
    for folder in [*(profile_stores or []), *default_store_folders(environ)]:
        unique.setdefault(Path(os.path.abspath(folder)), None)
    return list(unique)


@dataclass(frozen=True)
class StoreEntry:
    """One certificate in a store. A PFX is opened by the scan; PEM/DER files are read again when chosen."""

    certificate: x509.Certificate
    folder: Path
    files: tuple[Path, ...]  # the certificate's file, and its separate .key file if any
    has_key: bool
    loaded: LoadedCertificate | None = field(default=None, repr=False)
    problem: CertificateError | None = None  # why a PFX that holds this certificate cannot be used

    @property
    def source(self) -> str:
        return str(self.files[0]) if len(self.files) == 1 else f"{self.files[0]} + {self.files[1].name}"


@dataclass(frozen=True)
class StoreScan:
    """What the folders hold: certificates, folders that do not exist, and files that could not be read."""

    folders: tuple[Path, ...]
    missing: tuple[Path, ...]
    entries: tuple[StoreEntry, ...]
    skipped: tuple[tuple[Path, CertificateError], ...]  # file and why
    password: str | None = field(default=None, repr=False)


def scan_stores(folders: list[Path], password: str | None) -> StoreScan:
    """Every certificate in the folders; missing folders and unreadable files are remembered, not errors.

    Opening a PFX costs ~30 ms (cryptography validates its RSA key); PEM and DER files are read without
    their keys, so a scan of them is cheap.
    """
    present, missing, entries, skipped = [], [], [], []
    for folder in folders:
        try:
            files = sorted(p for p in folder.iterdir() if p.is_file())
        except OSError:
            missing.append(folder)
            continue
        present.append(folder)
        keys = {p.stem: p for p in files if p.suffix.lower() == ".key"}
        for path in files:
            suffix = path.suffix.lower()
            try:
                if suffix in PFX_SUFFIXES:
                    entries.append(_pfx_entry(folder, path, password))
                elif suffix in CERT_SUFFIXES:
                    entries.append(_cert_entry(folder, path, keys.get(path.stem), password))
            except CertificateError as e:
                skipped.append((path, e))
    return StoreScan(tuple(present), tuple(missing), tuple(entries), tuple(skipped), password)


def _pfx_entry(folder: Path, path: Path, password: str | None) -> StoreEntry:
    data = _read(path)
    try:
        loaded = load_certificate_bytes(data, password, str(path))
    except CertificateError as problem:
        for attempt in (password.encode() if password else None, None, b""):
            try:
                key, cert, _ = pkcs12.load_key_and_certificates(data, attempt)
            except ValueError:
                continue
            if cert is not None:  # a certificate without its key, or with an unusable one
                return StoreEntry(cert, folder, (path,), key is not None, problem=problem)
        raise
    return StoreEntry(loaded.certificate, folder, (path,), True, loaded)


def _cert_entry(folder: Path, path: Path, key_path: Path | None, password: str | None) -> StoreEntry:
    data = _read(path)
    try:
        certs = (
            x509.load_pem_x509_certificates(data) if b"-----BEGIN" in data else [x509.load_der_x509_certificate(data)]
        )
    except ValueError:
        raise CertificateError(f"{path} holds no certificate") from None
    block = PEM_KEY_RE.search(data)
    files = (path,) if block or key_path is None else (path, key_path)
    leaf = _leaf(certs, block.group(0), password) if block and len(certs) > 1 else certs[0]
    return StoreEntry(leaf, folder, files, bool(block) or key_path is not None)


def _leaf(certs: list[x509.Certificate], key_pem: bytes, password: str | None) -> x509.Certificate:
    """The certificate the key belongs to (a cheap look: the key is validated when it is chosen)."""
    secret = password.encode() if password and b"ENCRYPTED" in key_pem[:200] else None
    try:
        public = serialization.load_pem_private_key(key_pem, secret, unsafe_skip_rsa_key_validation=True).public_key()
    except (TypeError, ValueError, UnsupportedAlgorithm):
        return certs[0]
    return next((c for c in certs if c.public_key() == public), certs[0])


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise CertificateError(f"cannot read {path}: {e.strerror}") from None


def _load(entry: StoreEntry, password: str | None) -> LoadedCertificate:
    if entry.loaded is not None:
        return entry.loaded
    if not entry.has_key:
        raise CertificateError(
            f"certificate {_sha1(entry.certificate)} in store folder {entry.folder} has no private key:"
            f" {entry.files[0].name} holds only the certificate",
            hint=NO_KEY_HINT
            if entry.files[0].suffix.lower() in PFX_SUFFIXES
            else f"put its private key beside it as {entry.files[0].stem}.key, or store it as a PFX with its key",
        )
    if entry.problem is not None:
        raise entry.problem
    parts = [_read(p) for p in entry.files]
    if b"-----BEGIN" not in parts[0]:  # a DER certificate with a PEM key beside it
        parts[0] = x509.load_der_x509_certificate(parts[0]).public_bytes(serialization.Encoding.PEM)
    return load_certificate_bytes(b"\n".join(parts), password, entry.source)


def find(
    thumbprint: str | None,
    subject: str | None,
    folders: list[Path],
    password: str | None,
    now: datetime | None = None,
) -> LoadedCertificate:
    """Scan the folders and find the certificate by thumbprint (if given) or subject."""
    scan = scan_stores(folders, password)
    if thumbprint:
        return find_by_thumbprint(scan, thumbprint, now)
    if subject:
        return find_by_subject(scan, subject, now)
    raise ValueError("find needs a thumbprint or a subject")


def find_by_thumbprint(scan: StoreScan, thumbprint: str, now: datetime | None = None) -> LoadedCertificate:
    """SHA-1 (40 hex digits) or SHA-256 (64); pasted spaces, colons and invisible marks are removed."""
    try:
        wanted = normalize_thumbprint(thumbprint)
    except ValueError as e:
        raise CertificateError(str(e)) from None
    algorithm: hashes.HashAlgorithm = hashes.SHA1() if len(wanted) == 40 else hashes.SHA256()
    matching = [e for e in scan.entries if e.certificate.fingerprint(algorithm).hex().upper() == wanted]
    return _choose(scan, matching, f"thumbprint {wanted}", now)


def find_by_subject(scan: StoreScan, subject: str, now: datetime | None = None) -> LoadedCertificate:
    """Whole subject DN, case-insensitive, RDNs in either order (`CN=app, O=Contoso` = `O=Contoso,CN=app`)."""
    try:
        wanted = parse_dn(subject)
    except ValueError as e:
        raise CertificateError(
            f"cannot read subject {subject.strip()!r}: {e}", hint="write it as CN=name, O=org"
        ) from None
    matching = [e for e in scan.entries if name_key(e.certificate.subject) in (wanted, wanted[::-1])]
    return _choose(scan, matching, f"subject {subject.strip()}", now)


def _choose(scan: StoreScan, matching: list[StoreEntry], what: str, now: datetime | None) -> LoadedCertificate:
    moment = now or datetime.now(UTC)
    unique: dict[bytes, StoreEntry] = {}  # one certificate in several files: prefer a file with its key
    for entry in matching:
        fingerprint = entry.certificate.fingerprint(hashes.SHA256())
        if fingerprint not in unique or (entry.has_key and not unique[fingerprint].has_key):
            unique[fingerprint] = entry
    valid = [
        e for e in unique.values() if e.certificate.not_valid_before_utc <= moment <= e.certificate.not_valid_after_utc
    ]
    if not valid:
        raise _not_found(scan, list(unique.values()), what, moment)
    best = max(valid, key=lambda e: e.certificate.not_valid_before_utc)  # max keeps the first of equals
    return _load(best, scan.password)


def _sha1(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA1()).hex().upper()


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"


def _dates(moments: list[datetime]) -> str:
    days = [m.strftime("%Y-%m-%d") for m in sorted(moments)]
    return days[0] if len(days) == 1 else ", ".join(days[:-1]) + " and " + days[-1]


def _not_found(scan: StoreScan, matching: list[StoreEntry], what: str, now: datetime) -> CertificateError:
    if not matching:
        return _nothing_matches(scan, what)
    expired = [e.certificate.not_valid_after_utc for e in matching if e.certificate.not_valid_after_utc < now]
    future = [e.certificate.not_valid_before_utc for e in matching if e.certificate.not_valid_before_utc > now]
    hint = (
        RENEW_HINT if expired else "check the system clock, or use the current certificate until the new one is valid"
    )
    if what.startswith("thumbprint "):  # one thumbprint, one certificate
        state = f"expired on {_dates(expired)}" if expired else f"is not yet valid (from {_dates(future)})"
        return CertificateNotFound(
            f"certificate {what.split()[1]} in store folder {matching[0].folder} {state}", hint=hint
        )
    head = f"no valid certificate with {what} in {_stores(scan.folders)}: {_count(len(matching), 'certificate')}"
    if expired and future:
        detail = f": {len(expired)} expired (on {_dates(expired)}), {len(future)} not yet valid (from {_dates(future)})"
    else:
        every = {1: "", 2: "both "}.get(len(matching), "all ")
        single = len(matching) == 1 and expired
        state = f"expired on {_dates(expired)}" if single else f"expired (on {_dates(expired)})" if expired else ""
        detail = f", {every}{state or f'not yet valid (from {_dates(future)})'}"
    return CertificateNotFound(f"{head} with that subject{detail}", hint=hint)


def _nothing_matches(scan: StoreScan, what: str) -> CertificateError:
    if what.startswith("thumbprint "):
        for path, why in scan.skipped:  # a .NET store file is named by its thumbprint: say why it failed
            if path.stem.upper() == what.split()[1]:
                return why
    if not scan.folders:
        missing = ", ".join(map(str, scan.missing))
        return CertificateNotFound(
            f"no certificate with {what}: none of the store folders exists ({missing})", hint=WHERE_HINT
        )
    detail = f"{_count(len(scan.entries), 'certificate')} looked at"
    if scan.skipped:
        names = [p.name for p, _ in scan.skipped]
        detail += f"; {_count(len(names), 'file')} could not be read: {', '.join(names[:3])}{', …' * (len(names) > 3)}"
    if scan.missing:
        detail += f"; no folder {', '.join(map(str, scan.missing))}"
    return CertificateNotFound(f"no certificate with {what} in {_stores(scan.folders)} ({detail})", hint=WHERE_HINT)


def _stores(folders: tuple[Path, ...]) -> str:
    return f"{_count(len(folders), 'store')} ({', '.join(map(str, folders))})"
