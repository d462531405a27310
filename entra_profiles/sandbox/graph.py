"""A slice of Microsoft Graph v1.0: organization, applications and service principals."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .accesstokens import token_of
from .resources import canonical_resource
from .seed import Tenant
from .state import SandboxState
from .wire import Request, Response, Route, graph_error, json_response, route
from .world import Principal, utc

READ_ORGANIZATION = {
    "Organization.Read.All",
    "Organization.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
    "User.Read.All",
}
READ_APPLICATIONS = {
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Application.ReadWrite.OwnedBy",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
}
FILTER = re.compile(r"^\s*appId\s+eq\s+'([^']*)'\s*$")
FAR_FUTURE = "2299-12-31T00:00:00Z"


def _iso(value: dt.datetime | None, default: str) -> str:
    value = utc(value)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else default


def _caller(state: SandboxState, req: Request, needed: set[str]) -> tuple[Tenant | None, Response | None]:
    header = [
        (
            "WWW-Authenticate",
            f'Bearer realm="", authorization_uri="{req.base_url}/common/oauth2/authorize", '
            'client_id="00000003-0000-0000-c000-000000000000"',
        )
    ]
    claims, reason = token_of(state, req.bearer())
    if claims is None:
        message = {"missing": "Access token is empty.", "expired": "Lifetime validation failed, the token is expired."}
        text = message.get(reason, "Access token validation failure. Invalid signature.")
        return None, graph_error(req, 401, "InvalidAuthenticationToken", text, headers=header)
    req.log["client_id"], req.log["tenant"] = claims.get("appid"), claims.get("tid")
    if canonical_resource(str(claims.get("aud", "")), state.graph_aliases) != "graph":
        return None, graph_error(
            req, 401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.", headers=header
        )
    tenant = state.world.tenant(str(claims.get("tid", "")))
    if tenant is None:
        return None, graph_error(req, 401, "InvalidAuthenticationToken", "Access token validation failure.")
    if not needed & set(claims.get("roles") or []):
        return None, graph_error(
            req, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
        )
    return tenant, None


def organization(state: SandboxState, req: Request) -> Response:
    tenant, refused = _caller(state, req, READ_ORGANIZATION)
    if refused or tenant is None:
        return refused or Response(500)
    domains = [
        {
            "capabilities": "Email, OfficeCommunicationsOnline",
            "isDefault": i == 0,
            "isInitial": i == 0,
            "name": d,
            "type": "Managed",
        }
        for i, d in enumerate(tenant.domains)
    ]
    org = {
        "id": tenant.id,
        "displayName": tenant.display_name,
        "tenantType": "AAD",
        "verifiedDomains": domains,
        "countryLetterCode": "US",
        "createdDateTime": "2020-01-01T00:00:00Z",
    }
    return json_response(200, {"@odata.context": f"{req.base_url}/v1.0/$metadata#organization", "value": [org]})


def _application(principal: Principal) -> dict[str, Any]:
    app = principal.app
    assert app is not None
    passwords = [
        {
            "customKeyIdentifier": None,
            "displayName": s.display_name,
            "hint": s.value.get_secret_value()[:3],
            "keyId": s.key_id,
            "secretText": None,
            "startDateTime": _iso(s.not_before, "2024-01-01T00:00:00Z"),
            "endDateTime": _iso(s.expires, FAR_FUTURE),
        }
        for s in principal.secrets
    ]
    keys = [
        {
            "customKeyIdentifier": c.sha1,
            "displayName": c.display_name,
            "key": None,
            "keyId": c.key_id,
            "type": "AsymmetricX509Cert",
            "usage": "Verify",
            "startDateTime": _iso(c.cert.not_valid_before_utc, ""),
            "endDateTime": _iso(c.expires, ""),
        }
        for c in principal.certs
    ]
    return {
        "id": principal.app_object_id,
        "appId": app.client_id,
        "displayName": app.display_name,
        "signInAudience": "AzureADMyOrg",
        "identifierUris": list(app.identifier_uris),
        "passwordCredentials": passwords,
        "keyCredentials": keys,
    }


def _selected(req: Request, entity: dict[str, Any]) -> dict[str, Any] | Response:
    """`entity` cut to the properties of `$select` (all when absent), or Graph's 400 for an unknown one."""
    given = req.arg("$select")
    if given is None:
        return entity
    names = [n.strip() for n in given.split(",") if n.strip()]
    by_lower = {k.lower(): k for k in entity}
    unknown = next((n for n in names if n.lower() not in by_lower), None)
    if unknown is not None:
        return graph_error(
            req,
            400,
            "Request_BadRequest",
            f"Could not find a property named '{unknown[:100]}' on type 'microsoft.graph.application'.",
        )
    return {by_lower[n.lower()]: entity[by_lower[n.lower()]] for n in names}


def _principals(state: SandboxState, tenant: Tenant, app_id: str | None) -> list[Principal]:
    return [
        p
        for (tid, cid), p in state.world.principals.items()
        if tid == tenant.id.lower() and (app_id is None or cid == app_id.lower())
    ]


def applications(state: SandboxState, req: Request) -> Response:
    tenant, refused = _caller(state, req, READ_APPLICATIONS)
    if refused or tenant is None:
        return refused or Response(500)
    context = f"{req.base_url}/v1.0/$metadata#applications"
    if "app_id" in req.match or "object_id" in req.match:
        found = _one_app(state, tenant, req)
        if found is None:
            return _not_found(req)
        entity = _selected(req, _application(found))
        if isinstance(entity, Response):
            return entity
        select = req.arg("$select")
        shape = f"({select})" if select else ""
        return json_response(200, {"@odata.context": f"{context}{shape}/$entity", **entity})
    query = req.arg("$filter")
    match = FILTER.match(query) if query is not None else None
    if query is not None and match is None:
        return graph_error(req, 400, "BadRequest", "Invalid filter clause: only appId eq '...' is supported.")
    apps = []
    for principal in _principals(state, tenant, match.group(1) if match else None):
        if principal.app is not None:
            entity = _selected(req, _application(principal))
            if isinstance(entity, Response):
                return entity
            apps.append(entity)
    return json_response(200, {"@odata.context": context, "value": apps})


def _one_app(state: SandboxState, tenant: Tenant, req: Request) -> Principal | None:
    """The application addressed by `(appId='…')` or by its object id."""
    if "app_id" in req.match:
        return next((p for p in _principals(state, tenant, req.match["app_id"]) if p.app), None)
    wanted = req.match["object_id"].lower()
    return next((p for p in _principals(state, tenant, None) if p.app and p.app_object_id == wanted), None)


def _not_found(req: Request) -> Response:
    """Graph's answer for an appId it does not know."""
    return graph_error(
        req,
        404,
        "Request_ResourceNotFound",
        f"Resource '{req.match.get('app_id') or req.match.get('object_id')}' does not "
        "exist or one of its queried reference-property objects are not present.",
    )


def service_principal(state: SandboxState, req: Request) -> Response:
    tenant, refused = _caller(state, req, READ_APPLICATIONS)
    if refused or tenant is None:
        return refused or Response(500)
    found = _principals(state, tenant, req.match["app_id"])
    if not found:
        return _not_found(req)
    p = found[0]
    return json_response(
        200,
        {
            "@odata.context": f"{req.base_url}/v1.0/$metadata#servicePrincipals/$entity",
            "id": p.object_id,
            "appId": p.client_id,
            "displayName": p.display_name,
            "accountEnabled": not p.disabled,
            "appOwnerOrganizationId": p.tenant.id,
            "servicePrincipalType": "Application" if p.app else "ManagedIdentity",
            "alternativeNames": [p.identity.resource_id] if p.identity and p.identity.resource_id else [],
        },
    )


def routes(state: SandboxState) -> list[Route]:
    by_app_id = r"\(appId='(?P<app_id>[^']*)'\)"
    return [
        route("graph", "GET", r"/v1\.0/organization/?", lambda r: organization(state, r)),
        route("graph", "GET", r"/v1\.0/applications/?", lambda r: applications(state, r)),
        route("graph", "GET", r"/v1\.0/applications" + by_app_id, lambda r: applications(state, r)),
        route("graph", "GET", r"/v1\.0/applications/(?P<object_id>[^/()]+)", lambda r: applications(state, r)),
        route("graph", "GET", r"/v1\.0/servicePrincipals" + by_app_id, lambda r: service_principal(state, r)),
    ]
