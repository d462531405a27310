"""OpenID discovery (v1 and v2) and the signing keys, per tenant and for `common` / `organizations`.

v2 documents name the tenant's own issuer (`{authority}/{tid}/v2.0`), v1 documents the issuer of v1
tokens (`https://sts.windows.net/{tid}/`); for `common` and `organizations` both answer with Entra's
`{tenantid}` template, since no tenant is known until a token is issued.
"""

from __future__ import annotations

import re

from .seed import Tenant
from .state import SandboxState
from .wire import GUID, Request, Response, Route, entra_error, entra_headers, json_response, request_ids, route

ALIASES = ("common", "organizations")
TEMPLATE = "{tenantid}"
TENANT = r"/(?P<tenant>[^/]+)"
DNS_NAME = re.compile(
    r"^(?=.{4,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]$"
)


class TenantRefused(Exception):
    """The tenant in the path is malformed (AADSTS900023) or unknown (AADSTS90002)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def addressed(state: SandboxState, name: str) -> Tenant | str:
    """The seed tenant a path names (by id or domain), or the alias `common` / `organizations`."""
    if name.lower() in ALIASES:
        return name.lower()
    if not (GUID.match(name) or DNS_NAME.match(name)):
        raise TenantRefused(
            900023,
            f"Specified tenant identifier '{name[:64]}' is neither a valid DNS name, nor a valid external domain.",
        )
    tenant = state.world.tenant(name)
    if tenant is None:
        raise TenantRefused(
            90002,
            f"Tenant '{name}' not found. Check to make sure you have the correct tenant ID and are signing into the "
            "correct cloud. Check with your subscription administrator, this may happen if there are no active "
            "subscriptions for the tenant.",
        )
    return tenant


def _tenant_or_refusal(state: SandboxState, req: Request) -> tuple[str, str] | Response:
    """(path segment, issuer tenant) for the documents: the tenant id, or the alias and the template."""
    try:
        found = addressed(state, req.match["tenant"])
    except TenantRefused as refused:
        error = "invalid_tenant" if refused.code == 90002 else "invalid_request"
        return entra_error(req, 400, error, refused.code, refused.message)
    if isinstance(found, str):
        return found, TEMPLATE
    req.log["tenant"] = found.id
    return found.id, found.id


def _answer(req: Request, payload: dict[str, object]) -> Response:
    trace_id, correlation = request_ids(req)
    return json_response(200, payload, entra_headers(trace_id, correlation))


def _document(req: Request, segment: str, tid: str, v2: bool) -> dict[str, object]:
    """The OpenID configuration, v2 (`/{tenant}/v2.0/...`) or v1 (`/{tenant}/...`), as Entra words each."""
    base = req.base_url
    oauth = f"{base}/{segment}/oauth2/v2.0" if v2 else f"{base}/{segment}/oauth2"
    return {
        "token_endpoint": f"{oauth}/token",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": f"{base}/{segment}/discovery/v2.0/keys" if v2 else f"{base}/common/discovery/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"]
        if v2
        else ["code", "id_token", "code id_token", "token id_token", "token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"] if v2 else ["openid"],
        "issuer": f"{base}/{tid}/v2.0" if v2 else f"https://sts.windows.net/{tid}/",
        "request_uri_parameter_supported": False,
        "authorization_endpoint": f"{oauth}/authorize",
        "device_authorization_endpoint": f"{oauth}/devicecode",
        "end_session_endpoint": f"{oauth}/logout",
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid", "roles", "appid", "azp"],
        "tenant_region_scope": "NA" if tid != TEMPLATE else None,
        "cloud_instance_name": "sandbox",
        "msgraph_host": base.removeprefix("https://"),
    }


def discovery(state: SandboxState, req: Request) -> Response:
    found = _tenant_or_refusal(state, req)
    if isinstance(found, Response):
        return found
    return _answer(req, _document(req, *found, v2="v2" in req.match))


def jwks(state: SandboxState, req: Request) -> Response:
    found = _tenant_or_refusal(state, req)
    if isinstance(found, Response):
        return found
    return _answer(req, state.token_signer.jwks(issuer=f"{req.base_url}/{found[1]}/v2.0"))


def routes(state: SandboxState) -> list[Route]:
    openid = TENANT + r"(?P<v2>/v2\.0)?/\.well-known/openid-configuration"
    return [
        route("discovery", "GET", openid, lambda r: discovery(state, r)),
        route("discovery", "GET", TENANT + r"/discovery(?:/v2\.0)?/keys", lambda r: jwks(state, r)),
    ]
