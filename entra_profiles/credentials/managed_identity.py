"""Managed identity: system-assigned, or user-assigned by client id, object id or resource id.

azure-identity finds the managed identity endpoint through the process environment (IMDS, App
Service, Arc, …); a sandbox or a custom cloud's endpoint is set there once per run.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from entra_profiles.config.models import ManagedIdentity, Profile
from entra_profiles.context import CredentialFacts
from entra_profiles.routing import Route

_env_lock = threading.Lock()
ENDPOINT_VARS = ("IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT")


def route_endpoint(route: Route) -> None:
    """Send managed identity requests to the sandbox, or the custom cloud's IMDS-style endpoint."""
    host = None
    if route.sandbox is not None:
        host = route.sandbox.imds_authority_host
    elif route.cloud.managed_identity_endpoint:
        host = route.cloud.managed_identity_endpoint.split("/metadata/")[0]
    if host is None:
        return
    with _env_lock:
        for name in ENDPOINT_VARS:  # these would win over the IMDS override
            os.environ.pop(name, None)
        os.environ["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = host


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
