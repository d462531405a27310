"""Find a certificate by thumbprint or subject in certificate store folders, as Connect-MgGraph does.

Stores, in order: the profile's `stores`, the folders in ENTRA_PROFILES_CERT_STORE, and the .NET
CurrentUser\\My store on Linux (~/.dotnet/corefx/cryptography/x509stores/my, one {THUMBPRINT}.pfx
each). A store holds PFX files, PEM files with certificate and key, or name.crt/.cer/.pem + name.key.
Rules: only certificates valid now; subject is a whole, case-insensitive DN match; among several
matches the latest NotBefore wins. When nothing matches, the error says what was found instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from entra_profiles.credentials.certfile import (
    CertificateError,
    LoadedCertificate,
    dotnet_subject,
    load_certificate_bytes,
)

STORE_ENV = "ENTRA_PROFILES_CERT_STORE"
DOTNET_MY = Path(".dotnet/corefx/cryptography/x509stores/my")
CERT_SUFFIXES = {".pfx", ".p12", ".pem", ".crt", ".cer"}


class CertificateNotFound(CertificateError):
    code = "certificate_not_found"


def store_folders(profile_stores: list[Path] | None, environ: Mapping[str, str]) -> list[Path]:
    folders = list(profile_stores or [])
    folders += [Path(p).expanduser() for p in environ.get(STORE_ENV, "").split(os.pathsep) if p]
    home = environ.get("HOME")
    folders.append((Path(home) if home else Path.home()) / DOTNET_MY)
    unique: list[Path] = []
    for f in folders:
        if f not in unique:
            unique.append(f)
    return unique


@dataclass(frozen=True)
class Candidate:
    cert: x509.Certificate
    path: Path
    key_path: Path | None  # a separate .key file, when the certificate file holds none

    @property
    def subject(self) -> str:
        return dotnet_subject(self.cert)


def scan(folders: list[Path], password: str | None) -> tuple[list[Candidate], list[Path]]:
    """Every certificate in the folders (keys are loaded only for the winner), and the folders searched."""
    found: list[Candidate] = []
    searched = [f for f in folders if f.is_dir()]
    for folder in searched:
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() not in CERT_SUFFIXES or not path.is_file():
                continue
            cert = _public_cert(path, password)
            if cert is not None:
                key = path.with_suffix(".key")
                found.append(Candidate(cert, path, key if key.is_file() else None))
    return found, searched


def _public_cert(path: Path, password: str | None) -> x509.Certificate | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if b"-----BEGIN CERTIFICATE" in data:
        try:
            return x509.load_pem_x509_certificates(data)[0]
        except ValueError:
            return None
    if path.suffix.lower() in {".cer", ".crt"}:
        try:
            return x509.load_der_x509_certificate(data)
        except ValueError:
            return None
    try:
        return load_certificate_bytes(data, password, str(path)).certificate
    except CertificateError:
        return None


def same_subject(a: str, b: str) -> bool:
    """Whole-string, case-insensitive; RDNs in either order; spaces after commas ignored."""

    def parts(s: str) -> list[str]:
        return [p.strip().lower() for p in s.split(",") if p.strip()]

    pa, pb = parts(a), parts(b)
    return pa == pb or pa == list(reversed(pb))


def find(
    thumbprint: str | None,
    subject: str | None,
    folders: list[Path],
    password: str | None,
    now: datetime | None = None,
) -> LoadedCertificate:
    moment = now or datetime.now(UTC)
    candidates, searched = scan(folders, password)
    if thumbprint:
        algo: hashes.HashAlgorithm = hashes.SHA1() if len(thumbprint) == 40 else hashes.SHA256()
        matching = [c for c in candidates if c.cert.fingerprint(algo).hex().upper() == thumbprint]
        what = f"thumbprint {thumbprint}"
    else:
        assert subject is not None
        matching = [c for c in candidates if same_subject(c.subject, subject)]
        what = f"subject {subject}"
    valid = [c for c in matching if c.cert.not_valid_before_utc <= moment <= c.cert.not_valid_after_utc]
    if not valid:
        raise CertificateNotFound(
            _not_found(what, matching, candidates, searched, folders, moment), hint=_hint(matching)
        )
    best = max(valid, key=lambda c: c.cert.not_valid_before_utc)
    return _load(best, password)


def _load(c: Candidate, password: str | None) -> LoadedCertificate:
    data = c.path.read_bytes()
    if c.key_path is not None and b"PRIVATE KEY" not in data:
        data = data + b"\n" + c.key_path.read_bytes()
    if b"-----BEGIN" not in data and c.path.suffix.lower() in {".cer", ".crt"}:
        raise CertificateError(
            f"{c.path} holds a certificate but no private key",
            hint=f"put its key beside it as {c.path.with_suffix('.key').name}",
        )
    return load_certificate_bytes(data, password, str(c.path))


def _not_found(
    what: str,
    matching: list[Candidate],
    candidates: list[Candidate],
    searched: list[Path],
    folders: list[Path],
    now: datetime,
) -> str:
    n = len(searched)
    where = (
        f"{n} store{'s' if n != 1 else ''} ({', '.join(str(f) for f in searched)})"
        if searched
        else ("no store: none of " + ", ".join(str(f) for f in folders) + " exists")
    )
    head = f"no valid certificate with {what} in {where}"
    if not matching:
        return f"{head}: {len(candidates)} other certificate{'s' if len(candidates) != 1 else ''} looked at"
    expired = sorted(c.cert.not_valid_after_utc for c in matching if c.cert.not_valid_after_utc < now)
    future = sorted(c.cert.not_valid_before_utc for c in matching if c.cert.not_valid_before_utc > now)
    parts = []
    if expired:
        dates = " and ".join(d.strftime("%Y-%m-%d") for d in expired)
        noun = "certificate" if len(expired) == 1 else "certificates"
        verb = "expired" if len(expired) == 1 else ("both expired" if len(expired) == 2 else "all expired")
        parts.append(f"{len(expired)} {noun} with that {what.split()[0]} {verb} (on {dates})")
    if future:
        dates = " and ".join(d.strftime("%Y-%m-%d") for d in future)
        parts.append(f"{len(future)} not yet valid (from {dates})")
    return f"{head}: " + "; ".join(parts)


def _hint(matching: list[Candidate]) -> str:
    if matching:
        return "renew the certificate, upload its public part to the app registration, and put it in a store"
    return f"check the thumbprint or subject, the profile's stores, {STORE_ENV}, or ~/{DOTNET_MY}"
