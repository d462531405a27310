"""Managed identity endpoints: IMDS (`/metadata/identity/oauth2/token[/]`) and App Service (`/msi/token`).

The sandbox is one "machine" holding every managed identity of the seed: the system-assigned one (the
first declared) and the user-assigned ones, selected by client id, object id (App Service also calls it
`principal_id`) or resource id. A selector the endpoint does not know, or one given empty, is refused:
it never falls back to the system-assigned identity, which would hand out another identity's token.
"""

from __future__ import annotations

import hmac
import time

from .accesstokens import mint
from .resources import is_known
from .state import MI_TOKEN_LIFETIME, SandboxState
from .tokens import unknown_resource
from .wire import Request, Response, Route, json_response, route, simple_error
from .world import Principal

IMDS_PATH = "/metadata/identity/oauth2/token"
APP_SERVICE_PATH = "/msi/token"
# query parameter -> what it selects, per endpoint
IMDS_SELECTORS = {"client_id": "client_id", "object_id": "object_id", "msi_res_id": "resource_id",
                  "mi_res_id": "resource_id"}  # fmt: skip
APP_SERVICE_SELECTORS = {"client_id": "client_id", "principal_id": "object_id", "object_id": "object_id",
                         "mi_res_id": "resource_id"}  # fmt: skip


def _app_service_error(req: Request, status: int, message: str) -> Response:
    req.log["error"] = f"http{status}"
    return json_response(status, {"statusCode": status, "message": message, "correlationId": "sandbox"})


def _select(state: SandboxState, req: Request, selectors: dict[str, str]) -> tuple[Principal | None, str]:
    """The identity the query selects, or (None, why not)."""
    unknown = [p for p in req.query if p.lower().endswith("id") and p not in selectors]
    if unknown:
        return None, f"Unknown identity selector '{unknown[0][:64]}': use one of {', '.join(selectors)}."
    given = [(selectors[p], p, req.arg(p) or "") for p in selectors if p in req.query]
    empty = [p for _, p, value in given if not value.strip()]
    if empty:
        return None, f"The identity selector '{empty[0]}' is empty."
    if len({kind for kind, _, _ in given}) > 1:
        return None, f"Only one of {', '.join(selectors)} may be given."
    kind, _, value = given[0] if given else (None, None, None)
    if kind == "client_id":
        req.log["client_id"] = value
    identity = state.world.identity(kind, value)
    if identity is None:
        return None, "Identity not found"
    req.log["client_id"] = identity.client_id
    req.log["tenant"] = identity.tenant.id
    return identity, ""


def _known(state: SandboxState, identity: Principal, resource: str) -> bool:
    return is_known(resource, state.world.resources.get(identity.tenant.id.lower(), ()), state.graph_aliases)


def imds(state: SandboxState, req: Request) -> Response:
    if (req.header("Metadata") or "").lower() != "true":
        return simple_error(req, 400, "invalid_request", "Required metadata header not specified")
    if not req.arg("api-version"):
        return simple_error(req, 400, "invalid_request", "Required parameter api-version not specified")
    resource = req.arg("resource")
    if not resource:
        return simple_error(req, 400, "invalid_request", "Required audience parameter not specified")
    identity, problem = _select(state, req, IMDS_SELECTORS)
    if identity is None:
        return simple_error(req, 400, "invalid_request", problem)
    if not _known(state, identity, resource):  # IMDS passes Entra's refusal on
        refusal = unknown_resource(resource, identity.tenant)
        return simple_error(req, 400, refusal.error, f"AADSTS{refusal.code}: {refusal.message}")
    token, claims = mint(state, identity, resource, "2", MI_TOKEN_LIFETIME)
    now, exp = int(time.time()), int(claims["exp"])
    return json_response(
        200,
        {
            "access_token": token,
            "client_id": identity.client_id,
            "expires_in": str(exp - now),
            "expires_on": str(exp),
            "ext_expires_in": str(exp - now),
            "not_before": str(now),
            "resource": resource,
            "token_type": "Bearer",
        },
    )


def app_service(state: SandboxState, req: Request) -> Response:
    header = req.header("X-IDENTITY-HEADER") or ""
    if not hmac.compare_digest(header.encode(), state.identity_header.encode()):
        return _app_service_error(req, 401, "The X-IDENTITY-HEADER header is missing or wrong.")
    if req.arg("api-version") != "2019-08-01":
        return _app_service_error(req, 400, "The api-version must be 2019-08-01.")
    resource = req.arg("resource")
    if not resource:
        return _app_service_error(req, 400, "The resource parameter is required.")
    identity, problem = _select(state, req, APP_SERVICE_SELECTORS)
    if identity is None:
        return _app_service_error(req, 400, problem)
    if not _known(state, identity, resource):  # App Service hides Entra's reason behind a vague 500
        return _app_service_error(req, 500, "An unexpected error occured while fetching the AAD Token.")
    token, claims = mint(state, identity, resource, "2", MI_TOKEN_LIFETIME)
    return json_response(
        200,
        {
            "access_token": token,
            "expires_on": str(claims["exp"]),
            "resource": resource,
            "token_type": "Bearer",
            "client_id": identity.client_id,
        },
    )


def routes(state: SandboxState) -> list[Route]:
    return [
        route("managed_identity", "GET", IMDS_PATH + "/?", lambda r: imds(state, r)),
        route("managed_identity", "GET", APP_SERVICE_PATH, lambda r: app_service(state, r)),
    ]
