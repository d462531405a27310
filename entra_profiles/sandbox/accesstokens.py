"""Access tokens: minted for a principal and a resource, and verified by the Key Vault and Graph slices."""

from __future__ import annotations

import time
import uuid
from collections.abc import Collection
from typing import Any

from .resources import canonical_resource, normalized
from .state import SandboxState
from .world import Principal


def roles_for(
    principal: Principal, resource: str, graph_aliases: Collection[str] = (), own_origins: Collection[str] = ()
) -> list[str]:
    """The roles granted for `resource` under any of its names; the sandbox's own origin is its Graph and its
    ARM at once, so a token for it carries what was granted for either."""
    wanted = {canonical_resource(resource, graph_aliases)}
    if normalized(resource) in own_origins:
        wanted.add("arm")
    roles: list[str] = []
    for key, granted in principal.roles.items():
        if canonical_resource(key, graph_aliases) in wanted:
            roles.extend(r for r in granted if r not in roles)
    return roles


def issuer_for(tenant_id: str) -> str:
    """v1.0 access tokens (what Graph and Key Vault get) carry the sts.windows.net issuer."""
    return f"https://sts.windows.net/{tenant_id}/"


def mint(
    state: SandboxState, principal: Principal, resource: str, acr: str, lifetime: int
) -> tuple[str, dict[str, Any]]:
    """An app-only access token for `resource`; `roles` is omitted when none are granted."""
    now = int(time.time())
    tid = principal.tenant.id
    claims: dict[str, Any] = {
        "aud": resource,  # exactly as requested: az asks for https://management.core.windows.net/
        "iss": issuer_for(tid),
        "iat": now,
        "nbf": now,
        "exp": now + lifetime + 1,
        "app_displayname": principal.display_name,
        "appid": principal.client_id,
        "appidacr": acr,
        "azp": principal.client_id,
        "azpacr": acr,
        "idp": issuer_for(tid),
        "idtyp": "app",
        "oid": principal.object_id,
        "sub": principal.object_id,
        "tid": tid,
        "uti": uuid.uuid4().hex[:22],
        "ver": "1.0",
    }
    roles = roles_for(principal, resource, state.graph_aliases, state.own_origins)
    if roles:
        claims["roles"] = roles
    if principal.identity is not None and principal.identity.resource_id:
        claims["xms_mirid"] = principal.identity.resource_id
    return state.token_signer.sign(claims), claims


def token_of(state: SandboxState, token: str | None) -> tuple[dict[str, Any] | None, str]:
    """(claims, "") for a valid sandbox token, else (None, reason)."""
    if not token:
        return None, "missing"
    claims = state.token_signer.verify(token)
    if claims is None:
        return None, "expired" if state.token_signer.expired_but_genuine(token) else "invalid"
    if not str(claims.get("iss", "")).startswith("https://sts.windows.net/"):
        return None, "invalid"
    return claims, ""
