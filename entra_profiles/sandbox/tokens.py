"""The token service: OpenID discovery, JWKS and the client-credentials grant, per tenant."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
import re
from urllib.parse import unquote

from .accesstokens import mint
from .assertions import Refusal, verify_assertion
from .state import TOKEN_LIFETIME, SandboxState
from .wire import Request, Response, Route, entra_error, json_response, route
from .world import Principal, utc

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
RESERVED_SCOPES = {"openid", "profile", "offline_access"}
TENANT = r"/(?P<tenant>[^/]+)"


def _missing(name: str) -> Refusal:
    return Refusal(400, "invalid_request", 900144, f"The request body must contain the following parameter: '{name}'.")


def _unknown_tenant(name: str) -> str:
    return (
        f"Tenant '{name}' not found. Check to make sure you have the correct tenant ID and are signing into the "
        "correct cloud. Check with your subscription administrator, this may happen if there are no active "
        "subscriptions for the tenant."
    )


def discovery(state: SandboxState, req: Request) -> Response:
    tenant = state.world.tenant(req.match["tenant"])
    if tenant is None:
        return entra_error(req, 400, "invalid_tenant", 90002, _unknown_tenant(req.match["tenant"]))
    req.log["tenant"] = tenant.id
    base, tid = req.base_url, tenant.id
    return json_response(
        200,
        {
            "token_endpoint": f"{base}/{tid}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": f"{base}/{tid}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/{tid}/v2.0",
            "request_uri_parameter_supported": False,
            "authorization_endpoint": f"{base}/{tid}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/{tid}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{base}/{tid}/oauth2/v2.0/logout",
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid", "roles", "appid", "azp"],
            "tenant_region_scope": "NA",
            "cloud_instance_name": "sandbox",
            "msgraph_host": req.base_url.removeprefix("https://"),
        },
    )


def jwks(state: SandboxState, req: Request) -> Response:
    return json_response(200, state.token_signer.jwks())


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


def _resource(form: dict[str, str]) -> str:
    if "scope" not in form and form.get("resource"):
        return form["resource"]  # the v1 endpoint's form
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
    assert principal.app is not None
    now = dt.datetime.now(dt.UTC)
    given = secret.encode()
    matches = [s for s in principal.app.secrets if hmac.compare_digest(s.value.get_secret_value().encode(), given)]
    usable = [s for s in matches if (utc(s.not_before) or now) <= now]
    if not usable:
        raise Refusal(
            401,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being "
            "sent in the request is the client secret value, not the client secret ID, for a secret "
            f"added to app '{principal.client_id}'.",
        )
    if all((utc(s.expires) or now + dt.timedelta(days=1)) <= now for s in usable):
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


def _token(state: SandboxState, req: Request) -> Response:
    tenant_name = req.match["tenant"]
    basic_id, basic_secret = _basic(req)
    form = req.form()
    if form is None:
        raise _missing("grant_type")
    client_id = form.get("client_id") or basic_id or ""
    if GUID.match(client_id):
        req.log["client_id"] = client_id  # anything else might be a pasted secret: never log it
    tenant = state.world.tenant(tenant_name)
    if tenant is None:
        raise Refusal(400, "invalid_request", 90002, _unknown_tenant(tenant_name))
    req.log["tenant"] = tenant.id
    grant = form.get("grant_type")
    if not grant:
        raise _missing("grant_type")
    if grant != "client_credentials":
        raise Refusal(
            400, "unsupported_grant_type", 70003, f"The app requested an unsupported grant type '{grant[:64]}'."
        )
    if not client_id:
        raise _missing("client_id")
    principal = state.world.principal(tenant, client_id)
    if principal is None or principal.app is None:
        raise Refusal(
            400,
            "unauthorized_client",
            700016,
            f"Application with identifier '{client_id[:64]}' was "
            f"not found in the directory '{tenant.display_name or tenant.id}'. This can happen if the "
            "application has not been installed by the administrator of the tenant or consented to by "
            "any user in the tenant. You may have sent your authentication request to the wrong tenant.",
        )
    if principal.app.disabled:
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
    access_token, _ = mint(state, principal, _resource(form), acr, TOKEN_LIFETIME)
    body = {
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME,
        "ext_expires_in": TOKEN_LIFETIME,
        "access_token": access_token,
    }
    return json_response(200, body, [("Cache-Control", "no-store, no-cache"), ("Pragma", "no-cache")])


def routes(state: SandboxState) -> list[Route]:
    return [
        route("discovery", "GET", TENANT + r"/v2\.0/\.well-known/openid-configuration", lambda r: discovery(state, r)),
        route("discovery", "GET", TENANT + r"/discovery(?:/v2\.0)?/keys", lambda r: jwks(state, r)),
        route("token", "POST", TENANT + r"/oauth2(?:/v2\.0)?/token", lambda r: token(state, r)),
    ]
