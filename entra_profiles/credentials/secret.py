"""Client secret credential."""

from __future__ import annotations

from typing import Any

from entra_profiles.config.models import ClientSecret, Profile
from entra_profiles.context import CredentialFacts


def build(profile: Profile, spec: ClientSecret, kwargs: dict[str, Any]) -> tuple[Any, CredentialFacts]:
    from entra_profiles.credentials.confidential import ConfidentialCredential

    assert profile.client_id is not None
    credential = ConfidentialCredential(profile.tenant, profile.client_id, spec.secret.get_secret_value(), **kwargs)
    return credential, CredentialFacts("AppOnly", "ClientSecret", client_id=profile.client_id)
