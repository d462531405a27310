"""The token endpoint: the client-credentials grant, v1 (`/oauth2/token`) and v2 (`/oauth2/v2.0/token`)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
from urllib.parse import unquote

from .accesstokens import mint
from .assertions import Refusal, verify_assertion
from .discovery import TENANT, TenantRefused, addressed
from .resources import is_known
from .seed import Tenant
from .state import TOKEN_LIFETIME, SandboxState
from .wire import (
    GUID,
    NO_STORE,
    Request,
    Response,
    Route,
    entra_error,
    entra_headers,
    json_response,
    request_ids,
    route,
)
from .world import Principal

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
RESERVED_SCOPES = {"openid", "profile", "offline_access"}
METHODS = "GET POST PUT PATCH DELETE OPTIONS"  # every method reaches the handler: only POST is served


def _missing(name: str) -> Refusal:
    return Refusal(400, "invalid_request", 900144, f"The request body must contain the following parameter: '{name}'.")


def _basic(req: Request) -> tuple[str | None, str | None]:
    scheme, _, value = (req.header("Authorization") or "").partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        user, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Refusal(
            401, "invalid_client", 7000218, "The client credentials in the Authorization header could not be decoded."
        ) from None
    return unquote(user), unquote(password)


def _v1_resource(form: dict[str, str]) -> str:
    """The v1 endpoint names the resource with `resource`; a `scope` sent with it changes nothing."""
    if not form.get("resource"):
        raise _missing("resource")
    return form["resource"]


def _v2_resource(form: dict[str, str]) -> str:
    """The v2 endpoint wants `scope=RESOURCE/.default` and refuses `resource`."""
    if form.get("resource"):
        raise Refusal(400, "invalid_request", 901002, "The 'resource' request parameter is not supported.")
    scopes = [s for s in form.get("scope", "").split() if s.lower() not in RESERVED_SCOPES]
    if not scopes:
        raise _missing("scope")
    bad = next((s for s in scopes if not s.endswith("/.default")), None)
    if bad is not None:
        raise Refusal(
            400,
            "invalid_scope",
            1002012,
            f"The provided value for scope {bad} is not valid. Client "
            "credential flows must have a scope value with /.default suffixed to the resource "
            "identifier (application ID URI).",
        )
    resources = {s.removesuffix("/.default") for s in scopes}
    if len(resources) != 1 or not next(iter(resources)):
        raise Refusal(
            400,
            "invalid_scope",
            70011,
            f"The provided value for the input parameter 'scope' is not "
            f"valid. The scope {' '.join(scopes)} is not valid.",
        )
    return resources.pop()


def _check_secret(principal: Principal, secret: str) -> None:
    now = dt.datetime.now(dt.UTC)
    given = secret.encode()
    matches = [s for s in principal.secrets if hmac.compare_digest(s.value.get_secret_value().encode(), given)]
    usable = [s for s in matches if (s.not_before or now) <= now]
    if not usable:
        raise Refusal(
            401,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being "
            "sent in the request is the client secret value, not the client secret ID, for a secret "
            f"added to app '{principal.client_id}'.",
        )
    if all((s.expires or now + dt.timedelta(days=1)) <= now for s in usable):
        raise Refusal(
            401,
            "invalid_client",
            7000222,
            f"The provided client secret keys for app "
            f"'{principal.client_id}' are expired. Visit the Azure portal to create new keys for your "
            "app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added "
            "security: https://aka.ms/certCreds.",
        )


def token(state: SandboxState, req: Request) -> Response:
    try:
        return _token(state, req)
    except Refusal as refusal:
        return entra_error(req, refusal.status, refusal.error, refusal.code, refusal.message)
    except TenantRefused as refused:
        return entra_error(req, 400, "invalid_request", refused.code, refused.message)


def _app(state: SandboxState, found: Tenant | str, client_id: str) -> Principal:
    """The app signing in: in the tenant addressed, or for `common` / `organizations` (`found` is then
    the alias) in the app's home tenant, as Entra guesses it for client credentials (msal warns against
    it; Entra does not refuse)."""
    tenant: Tenant | None = found if isinstance(found, Tenant) else state.world.home_tenant(client_id)
    principal = state.world.principal(tenant, client_id) if tenant is not None else None
    if principal is None or principal.app is None:
        where = tenant.display_name or tenant.id if tenant is not None else str(found)
        raise Refusal(
            400,
            "unauthorized_client",
            700016,
            f"Application with identifier '{client_id[:64]}' was "
            f"not found in the directory '{where}'. This can happen if the "
            "application has not been installed by the administrator of the tenant or consented to by "
            "any user in the tenant. You may have sent your authentication request to the wrong tenant.",
        )
    return principal


def _token(state: SandboxState, req: Request) -> Response:
    if req.method != "POST":
        raise Refusal(
            400, "invalid_request", 900561, f"The endpoint only accepts POST requests. Received a {req.method} request."
        )
    tenant_name, v1 = req.match["tenant"], not req.match.get("v2")
    basic_id, basic_secret = _basic(req)
    form = req.form()
    if form is None:
        raise _missing("grant_type")
    client_id = form.get("client_id") or basic_id or ""
    if GUID.match(client_id):
        req.log["client_id"] = client_id  # anything else might be a pasted secret: never log it
    found = addressed(state, tenant_name)
    if isinstance(found, Tenant):
        req.log["tenant"] = found.id
    grant = form.get("grant_type")
    if not grant:
        raise _missing("grant_type")
    if grant != "client_credentials":
        raise Refusal(
            400, "unsupported_grant_type", 70003, f"The app requested an unsupported grant type '{grant[:64]}'."
        )
    if not client_id:
        raise _missing("client_id")
    principal = _app(state, found, client_id)
    tenant = principal.tenant
    req.log["tenant"] = tenant.id
    if principal.app is not None and principal.app.disabled:
        raise Refusal(
            400,
            "unauthorized_client",
            7000112,
            f"Application '{principal.client_id}'({principal.display_name}) is disabled.",
        )
    secret, assertion = form.get("client_secret") or basic_secret, form.get("client_assertion")
    if secret:
        _check_secret(principal, secret)
        acr = "1"
    elif assertion:
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise Refusal(
                400,
                "invalid_request",
                50027,
                f"JWT token is invalid or malformed. The client_assertion_type must be '{ASSERTION_TYPE}'.",
            )
        endpoints = {
            f"{req.base_url}/{name}/oauth2/{v}token" for name in (tenant_name, tenant.id) for v in ("v2.0/", "")
        }
        verify_assertion(state, principal, assertion, endpoints)
        acr = "2"
    else:
        raise Refusal(
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        )
    resource = _v1_resource(form) if v1 else _v2_resource(form)
    if not is_known(resource, state.world.resources.get(tenant.id.lower(), ()), state.graph_aliases):
        raise unknown_resource(resource, tenant)
    access_token, claims = mint(state, principal, resource, acr, TOKEN_LIFETIME)
    trace_id, correlation = request_ids(req)
    headers = [*entra_headers(trace_id, correlation), *NO_STORE]
    if v1:
        lifetime = str(TOKEN_LIFETIME)
        body: dict[str, object] = {
            "token_type": "Bearer",
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "expires_on": str(claims["exp"]),
            "not_before": str(claims["nbf"]),
            "resource": resource,
            "access_token": access_token,
        }
        return json_response(200, body, headers)
    body = {
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME,
        "ext_expires_in": TOKEN_LIFETIME,
        "access_token": access_token,
    }
    return json_response(200, body, headers)


def unknown_resource(resource: str, tenant: Tenant) -> Refusal:
    """AADSTS500011, as Entra words it for a resource with no service principal in the tenant."""
    return Refusal(
        400,
        "invalid_resource",
        500011,
        f"The resource principal named {resource[:200]} was not found in the tenant named "
        f"{tenant.display_name or tenant.id}. This can happen if the application has not been installed by the "
        "administrator of the tenant or consented to by any user in the tenant. You might have sent your "
        "authentication request to the wrong tenant.",
    )


def routes(state: SandboxState) -> list[Route]:
    return [route("token", METHODS, TENANT + r"/oauth2(?P<v2>/v2\.0)?/token", lambda r: token(state, r))]
