"""Managed identity: system-assigned, or user-assigned by client id, object id or resource id.

azure-identity finds the managed identity endpoint through the process environment (IMDS, App
Service, Arc, …); a sandbox or a custom cloud's endpoint is set there once per run.
"""

from __future__ import annotations

import os
from typing import Any

from entra_profiles.config.models import ManagedIdentity, Profile
from entra_profiles.context import CredentialFacts
from entra_profiles.credentials.process_env import claim
from entra_profiles.routing import Route

IMDS_OVERRIDE = "AZURE_POD_IDENTITY_AUTHORITY_HOST"
ENDPOINT_VARS = ("IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT")


def route_endpoint(route: Route) -> None:
    """Send managed identity requests to the sandbox or the custom cloud's IMDS-style endpoint, or
    leave the machine's own; refused when another profile of the run needs another endpoint."""
    host = route.managed_identity_host
    what = f"a managed identity of the {route.cloud.name} cloud"
    if host is None:
        claim(IMDS_OVERRIDE, os.environ.get(IMDS_OVERRIDE), what)  # the machine's endpoint, as it is
        return
    for name in ENDPOINT_VARS:  # these would win over the IMDS override
        claim(name, None, what)
    claim(IMDS_OVERRIDE, host, what)


def build(profile: Profile, spec: ManagedIdentity, route: Route, kwargs: dict[str, Any]) -> tuple[Any, CredentialFacts]:
    from azure.identity import ManagedIdentityCredential

    route_endpoint(route)
    options = {k: v for k, v in kwargs.items() if k not in ("authority", "disable_instance_discovery")}
    identity_config = None
    if spec.object_id:
        identity_config = {"object_id": spec.object_id}
    elif spec.resource_id:
        identity_config = {"resource_id": spec.resource_id}
    credential = ManagedIdentityCredential(client_id=spec.client_id, identity_config=identity_config, **options)
    ident = spec.client_id or spec.object_id or spec.resource_id or "system-assigned"
    return credential, CredentialFacts("ManagedIdentity", "ManagedIdentity", managed_identity_id=ident)
