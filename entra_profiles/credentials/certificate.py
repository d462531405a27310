"""Certificate credential: from a file, a store (by thumbprint or subject), or Key Vault."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from entra_profiles.config.models import Certificate, Profile
from entra_profiles.context import CredentialFacts
from entra_profiles.credentials.certfile import LoadedCertificate, load_certificate_bytes, load_certificate_file
from entra_profiles.credentials.certstore import (
    StoreScan,
    find_by_subject,
    find_by_thumbprint,
    scan_stores,
    store_folders,
)

# A run scans each set of store folders once: opening a PFX costs ~30 ms of GIL-bound work, and many
# profiles may share a store. A folder's mtime is part of the key, so a changed store is scanned again.
_scan_lock = threading.Lock()
_scans: dict[tuple[Any, ...], StoreScan] = {}


def _scan(folders: list[Path], password: str | None) -> StoreScan:
    key = (tuple(folders), password, tuple(_mtime(f) for f in folders))
    with _scan_lock:
        if key not in _scans:
            _scans[key] = scan_stores(folders, password)
        return _scans[key]


def _mtime(folder: Path) -> int | None:
    try:
        return folder.stat().st_mtime_ns
    except OSError:
        return None


def load(spec: Certificate, base_dir: Path, vault_material: tuple[bytes, str] | None = None) -> LoadedCertificate:
    """The certificate and key the profile names (raises CertificateError)."""
    password = spec.password.get_secret_value() if spec.password is not None else None
    if spec.keyvault is not None:
        assert vault_material is not None, "Key Vault certificates are read before connecting"
        return load_certificate_bytes(vault_material[0], password, f"Key Vault {spec.keyvault}")
    if spec.path is not None:
        return load_certificate_file((base_dir / Path(spec.path).expanduser()), password)
    folders = store_folders([base_dir / Path(s).expanduser() for s in spec.stores or []], os.environ)
    scan = _scan(folders, password)
    if spec.thumbprint:
        return find_by_thumbprint(scan, spec.thumbprint)
    assert spec.subject is not None
    return find_by_subject(scan, spec.subject)


def build(
    profile: Profile,
    spec: Certificate,
    kwargs: dict[str, Any],
    base_dir: Path,
    vault_material: tuple[bytes, str] | None = None,
) -> tuple[Any, CredentialFacts]:
    from cryptography.hazmat.primitives import serialization

    from entra_profiles.credentials.confidential import ConfidentialCredential

    assert profile.client_id is not None
    cert = load(spec, base_dir, vault_material)
    # What azure-identity's CertificateCredential gives msal: a SHA-1 thumbprint (RS256, x5t) and, to send
    # the chain, the certificates as PEM (x5c); the key is handed over loaded, not as PEM to parse again
    # for every assertion signed.
    client_credential: dict[str, Any] = {"private_key": cert.private_key, "thumbprint": cert.thumbprint_sha1}
    if spec.send_certificate_chain:
        pems = (c.public_bytes(serialization.Encoding.PEM) for c in (cert.certificate, *cert.chain))
        client_credential["public_certificate"] = b"".join(pems).decode()
    credential = ConfidentialCredential(profile.tenant, profile.client_id, client_credential, **kwargs)
    facts = CredentialFacts(
        "AppOnly",
        "ClientCertificate",
        client_id=profile.client_id,
        certificate_thumbprint=cert.thumbprint_sha1,
        certificate_subject=cert.subject,
        certificate_not_after=cert.not_after,
        send_certificate_chain=spec.send_certificate_chain,
    )
    return credential, facts
