"""Helpers for tests that drive the sandbox with the real Microsoft clients (reusable by any test)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jwt
import msal
import requests

from entra_profiles.sandbox import Sandbox

CONTOSO = "7f0c1c5e-3d2a-4b8e-9f10-0a1b2c3d4e5f"
FABRIKAM = "4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d"
AUTOMATION = "0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811"
AUTOMATION_SECRET = "sandbox-secret-contoso-1"
UNCONSENTED = "3c2d1e0f-9a8b-4c7d-8e6f-5a4b3c2d1e0f"
RETIRED = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"
EXPIRED_APP = "8a9b0c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d"
FABRIKAM_APP = "6d7e8f90-a1b2-4c3d-9e4f-5a6b7c8d9e0f"
SYSTEM_MI_OID = "9e8d7c6b-5a49-4837-8261-5f4e3d2c1b0a"
UAMI_CLIENT_ID = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
UAMI_OID = "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"
UAMI_RESOURCE_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ops/providers/"
    "Microsoft.ManagedIdentity/userAssignedIdentities/ops-uami"
)
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
VAULT_SCOPE = "https://vault.azure.net/.default"
CI_AUDIENCE = "api://AzureADTokenExchange"


def azure_kwargs(sb: Sandbox) -> dict[str, Any]:
    """What every azure-identity credential needs to talk to the sandbox (and nothing else)."""
    return {
        "authority": sb.info["authority_host"],
        "disable_instance_discovery": True,
        "connection_verify": sb.info["ca_bundle"],
    }


def session(sb: Sandbox) -> requests.Session:
    """A requests session trusting only the sandbox CA and ignoring proxy/CA environment variables."""
    s = requests.Session()
    s.verify = sb.info["ca_bundle"]
    s.trust_env = False
    return s


@contextmanager
def msal_app(
    sb: Sandbox, client_id: str, credential: Any, tenant: str = CONTOSO
) -> Iterator[msal.ConfidentialClientApplication]:
    """A bare msal confidential client against the sandbox; its HTTP session is closed afterwards."""
    with session(sb) as http:
        yield msal.ConfidentialClientApplication(
            client_id,
            client_credential=credential,
            authority=f"{sb.info['authority_host']}/{tenant}",
            http_client=http,
            instance_discovery=False,
        )


def jwks_for(sb: Sandbox, tenant: str = CONTOSO) -> jwt.PyJWKSet:
    """The JWKS named in the tenant's discovery document, fetched with the sandbox CA."""
    with session(sb) as http:
        config = http.get(f"{sb.url}/{tenant}/v2.0/.well-known/openid-configuration", timeout=10).json()
        return jwt.PyJWKSet.from_dict(http.get(config["jwks_uri"], timeout=10).json())


def verify_token(sb: Sandbox, token: str, audience: str | None = None) -> dict[str, Any]:
    """The claims of an access token, verified against the JWKS from discovery."""
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwks_for(sb)[kid]
    options = {"verify_aud": audience is not None}
    claims: dict[str, Any] = jwt.decode(token, key.key, algorithms=["RS256"], audience=audience, options=options)
    return claims


def ci_token(sb: Sandbox, audience: str = CI_AUDIENCE) -> str:
    """An ID token from the CI issuer, requested the way GitHub Actions' toolkit does."""
    with session(sb) as http:
        response = http.get(
            f"{sb.info['oidc_request_url']}&audience={audience}",
            headers={"Authorization": f"Bearer {sb.info['oidc_request_token']}"},
            timeout=10,
        )
        response.raise_for_status()
        value: str = response.json()["value"]
        return value


def aadsts(error: BaseException) -> str | None:
    """The first AADSTS code in an exception's message."""
    found = re.search(r"AADSTS\d+", str(error))
    return found.group(0) if found else None


def clear_keyvault_challenges() -> None:
    """SecretClient caches the bearer challenge per host:port in a module global: forget it."""
    from azure.keyvault.secrets._shared import http_challenge_cache

    http_challenge_cache.clear()


def vault_url(sb: Sandbox, name: str) -> str:
    return str(sb.info["keyvault_url"]).format(name=name)


def write_token_file(directory: Path, token: str) -> Path:
    path = directory / "federated-token"
    path.write_text(token, encoding="utf-8")
    return path
