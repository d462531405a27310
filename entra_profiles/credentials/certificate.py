"""Certificate credential: from a file, a store (by thumbprint or subject), or Key Vault."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from entra_profiles.config.models import Certificate, Profile
from entra_profiles.context import CredentialFacts
from entra_profiles.credentials.certfile import LoadedCertificate, load_certificate_bytes, load_certificate_file
from entra_profiles.credentials.certstore import find, store_folders


def load(spec: Certificate, base_dir: Path, vault_material: tuple[bytes, str] | None = None) -> LoadedCertificate:
    """The certificate and key the profile names (raises CertificateError)."""
    password = spec.password.get_secret_value() if spec.password is not None else None
    if spec.keyvault is not None:
        assert vault_material is not None, "Key Vault certificates are read before connecting"
        return load_certificate_bytes(vault_material[0], password, f"Key Vault {spec.keyvault}")
    if spec.path is not None:
        return load_certificate_file((base_dir / Path(spec.path).expanduser()), password)
    folders = store_folders([base_dir / Path(s).expanduser() for s in spec.stores or []], os.environ)
    return find(spec.thumbprint, spec.subject, folders, password)


def build(
    profile: Profile,
    spec: Certificate,
    kwargs: dict[str, Any],
    base_dir: Path,
    vault_material: tuple[bytes, str] | None = None,
) -> tuple[Any, CredentialFacts]:
    from azure.identity import CertificateCredential

    assert profile.client_id is not None
    cert = load(spec, base_dir, vault_material)
    credential = CertificateCredential(
        profile.tenant,
        profile.client_id,
        certificate_data=cert.pem_bytes(),
        send_certificate_chain=spec.send_certificate_chain,
        **kwargs,
    )
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
