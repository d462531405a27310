"""Is the token what was asked for? A JWT, for the resource asked, from the profile's tenant, not expired.

A token that fails these is never reported `ok`: something other than Entra answered, or answered
for something else. What real Entra does, and so what passes:
- `aud` is the resource as asked (v1.0 tokens: `https://graph.microsoft.com`; a resource asked with a
  trailing slash, as az does for ARM, keeps it), or the resource's application id (v2.0 tokens, and
  some v1.0 ones: Graph's is 00000003-0000-0000-c000-000000000000). A GUID audience is checked
  against the application ids known here, and accepted for a resource whose id is not known.
- `tid` is the tenant's id. A profile may name its tenant by a domain: the id is then the one
  discovery gave (the tenant segment of the token endpoint it named); without discovery (Azure
  Pipelines' workload identity) a domain cannot be compared. A managed identity's token is from the
  identity's tenant.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from entra_profiles.config.fields import GRAPH_APP_ID, GUID_RE
from entra_profiles.errors import clipped
from entra_profiles.results import Failure

VAULT_APP_ID = "cfa8b339-82a2-471a-a3c9-0fc0be7a4093"
ARM_APP_ID = "797f4846-ba00-4fd7-ba43-dac1f8f63013"
KNOWN_APP_IDS = {
    "https://graph.microsoft.com": GRAPH_APP_ID,
    "https://graph.microsoft.us": GRAPH_APP_ID,
    "https://dod-graph.microsoft.us": GRAPH_APP_ID,
    "https://microsoftgraph.chinacloudapi.cn": GRAPH_APP_ID,
    "https://vault.azure.net": VAULT_APP_ID,
    "https://vault.usgovcloudapi.net": VAULT_APP_ID,
    "https://vault.azure.cn": VAULT_APP_ID,
    "https://management.azure.com": ARM_APP_ID,
    "https://management.core.windows.net": ARM_APP_ID,
    "https://management.usgovcloudapi.net": ARM_APP_ID,
    "https://management.chinacloudapi.cn": ARM_APP_ID,
}
FOREIGN_HINT = "something other than Entra may be answering: check the cloud's authority_host (and any proxy)"


def token_problem(
    claims: dict[str, Any] | None,
    expires_on: int,
    scope: str,
    tenant: str | None,
    token_url: str | None,
    source: str,
) -> Failure | None:
    """Why the token (its unverified `claims`, None when it is no JWT) cannot be used, or None.
    `tenant`: the profile's, None for a managed identity; `token_url`: where the token was asked for."""
    if claims is None:
        return Failure(
            "token_not_jwt",
            f"{source} sent an access token that is not a JWT: its audience, tenant and expiry cannot be checked",
            FOREIGN_HINT,
        )
    resource = scope.removesuffix("/.default")
    audiences = claims.get("aud")
    audiences = audiences if isinstance(audiences, list) else [audiences]
    if not any(_audience_fits(str(a), resource) for a in audiences if a is not None):
        named = ", ".join(str(a) for a in audiences if a is not None)
        shown = clipped(named) if named else "no audience"
        return Failure(
            "token_audience",
            f"{source} sent a token for {shown}, not for {resource} (asked: {scope})",
            "the token service answered for another resource: check the scope and the cloud's endpoints",
        )
    expected = _tenant_id(tenant, token_url)
    tid = claims.get("tid")
    if expected is not None and isinstance(tid, str) and tid.lower() != expected:
        named = f"{expected} ({tenant})" if tenant and tenant.lower() != expected else expected
        return Failure(
            "token_tenant",
            f"{source} sent a token of tenant {tid}, not of the profile's tenant {named}",
            FOREIGN_HINT,
        )
    exp = claims.get("exp")
    ends = min(float(exp), float(expires_on)) if isinstance(exp, int | float) else float(expires_on)
    if ends <= time.time():
        at = datetime.fromtimestamp(ends, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return Failure(
            "token_expired",
            f"{source} sent a token that had already expired (at {at})",
            "check the clocks of this machine and of the token service",
        )
    return None


def _audience_fits(audience: str, resource: str) -> bool:
    aud, wanted = audience.strip().rstrip("/").lower(), resource.strip().rstrip("/").lower()
    if aud == wanted:
        return True
    if not GUID_RE.match(aud):
        return False
    known = KNOWN_APP_IDS.get(wanted)
    if known is not None:
        return aud == known
    bare = wanted.removeprefix("api://")
    return bare == aud or not GUID_RE.match(bare)  # an app id we cannot know: accepted


def _tenant_id(tenant: str | None, token_url: str | None) -> str | None:
    """The tenant id a token must carry: the profile's GUID, or the one discovery gave for its domain."""
    if tenant is None:
        return None
    if GUID_RE.match(tenant):
        return tenant.lower()
    if token_url is None:
        return None
    try:
        parts = urlsplit(token_url).path.split("/")
    except ValueError:
        return None
    segment = parts[1] if len(parts) > 2 and "oauth2" in parts else ""
    return segment.lower() if GUID_RE.match(segment) else None
