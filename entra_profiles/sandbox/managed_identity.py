"""Managed identity endpoints: IMDS (`/metadata/identity/oauth2/token`) and App Service (`/msi/token`).

The sandbox is one "machine" holding every managed identity of the seed: the system-assigned one (the
first declared) and the user-assigned ones, selected by client id, object id or resource id.
"""

from __future__ import annotations

import hmac
import time

from .accesstokens import mint
from .state import MI_TOKEN_LIFETIME, SandboxState
from .wire import Request, Response, Route, json_response, route
from .world import Principal

IMDS_PATH = "/metadata/identity/oauth2/token"
APP_SERVICE_PATH = "/msi/token"


def _imds_error(req: Request, status: int, error: str, description: str) -> Response:
    req.log["error"] = error
    return json_response(status, {"error": error, "error_description": description})


def _app_service_error(req: Request, status: int, message: str) -> Response:
    req.log["error"] = f"http{status}"
    return json_response(status, {"statusCode": status, "message": message, "correlationId": "sandbox"})


def _select(state: SandboxState, req: Request, resource_param: str) -> tuple[Principal | None, str]:
    given = [
        (k, req.arg(p))
        for k, p in (
            ("client_id", "client_id"),
            ("object_id", "object_id"),
            ("resource_id", resource_param),
            ("resource_id", "msi_res_id"),
            ("resource_id", "mi_res_id"),
        )
        if req.arg(p)
    ]
    if len({k for k, _ in given}) > 1:
        return None, "Only one of client_id, object_id and the resource id may be given."
    kind, value = given[0] if given else (None, None)
    if kind == "client_id":
        req.log["client_id"] = value
    identity = state.world.identity(kind, value)
    if identity is None:
        return None, "Identity not found"
    req.log["client_id"] = identity.client_id
    req.log["tenant"] = identity.tenant.id
    return identity, ""


def _issue(state: SandboxState, identity: Principal, resource: str) -> tuple[str, int]:
    token, claims = mint(state, identity, resource, "2", MI_TOKEN_LIFETIME)
    return token, int(claims["exp"])


def imds(state: SandboxState, req: Request) -> Response:
    if (req.header("Metadata") or "").lower() != "true":
        return _imds_error(req, 400, "invalid_request", "Required metadata header not specified")
    if not req.arg("api-version"):
        return _imds_error(req, 400, "invalid_request", "Required parameter api-version not specified")
    resource = req.arg("resource")
    if not resource:
        return _imds_error(req, 400, "invalid_request", "Required audience parameter not specified")
    identity, problem = _select(state, req, "msi_res_id")
    if identity is None:
        return _imds_error(req, 400, "invalid_request", problem)
    token, exp = _issue(state, identity, resource)
    now = int(time.time())
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
    identity, problem = _select(state, req, "mi_res_id")
    if identity is None:
        return _app_service_error(req, 400, problem)
    token, exp = _issue(state, identity, resource)
    return json_response(
        200,
        {
            "access_token": token,
            "expires_on": str(exp),
            "resource": resource,
            "token_type": "Bearer",
            "client_id": identity.client_id,
        },
    )


def routes(state: SandboxState) -> list[Route]:
    return [
        route("managed_identity", "GET", IMDS_PATH, lambda r: imds(state, r)),
        route("managed_identity", "GET", APP_SERVICE_PATH, lambda r: app_service(state, r)),
    ]
