"""Build the credential a profile describes (one module per credential type): an app's secret,
certificate or CI token (workload identity) with msal directly (credentials/confidential.py), managed
identities and Azure Pipelines with azure-identity."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from entra_profiles.config.models import Certificate, ClientSecret, ManagedIdentity, Profile, WorkloadIdentity
from entra_profiles.context import CredentialFacts
from entra_profiles.credentials.options import Transports, confidential_kwargs, credential_kwargs
from entra_profiles.routing import Route


def build_credential(
    profile: Profile,
    route: Route,
    transports: Transports,
    base_dir: Path,
    vault_material: tuple[bytes, str] | None = None,
    any_tenant: bool = False,
) -> tuple[Any, CredentialFacts]:
    """The credential and what is known about it. Raises ProfileFailed when it cannot be built.

    `any_tenant`: a vault reader follows the tenant id of the vault's challenge, which differs as text
    from a profile's tenant written as a domain."""
    spec = profile.credential
    if isinstance(spec, ClientSecret):
        from entra_profiles.credentials import secret

        return secret.build(profile, spec, confidential_kwargs(route, transports, any_tenant))
    if isinstance(spec, Certificate):
        from entra_profiles.credentials import certificate

        return certificate.build(
            profile, spec, confidential_kwargs(route, transports, any_tenant), base_dir, vault_material
        )
    if isinstance(spec, WorkloadIdentity) and not spec.azure_pipelines:
        from entra_profiles.credentials import workload_identity

        confidential = confidential_kwargs(route, transports, any_tenant)
        return workload_identity.build(profile, spec, route, confidential, base_dir, transports.retries)
    kwargs = credential_kwargs(route, transports)
    if any_tenant and not isinstance(spec, ManagedIdentity):
        kwargs["additionally_allowed_tenants"] = ["*"]
    if isinstance(spec, ManagedIdentity):
        from entra_profiles.credentials import managed_identity

        return managed_identity.build(profile, spec, route, kwargs)
    if isinstance(spec, WorkloadIdentity):
        from entra_profiles.credentials import workload_identity

        return workload_identity.azure_pipelines(profile, spec, route, kwargs)
    raise AssertionError(f"no builder for {type(spec).__name__}")
