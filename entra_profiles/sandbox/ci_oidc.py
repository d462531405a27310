"""The CI OIDC issuer (`sandbox-ci`): discovery, JWKS, and ID-token requests shaped like GitHub Actions'
(`ACTIONS_ID_TOKEN_REQUEST_URL`) and Azure Pipelines' (`SYSTEM_OIDCREQUESTURI`)."""

from __future__ import annotations

import hmac
import time
import uuid

from .state import CI_PATH, SandboxState
from .wire import Request, Response, Route, json_response, route

DEFAULT_AUDIENCE = "api://AzureADTokenExchange"
GITHUB_PATH = CI_PATH + "/github/token"
PIPELINES_PATH = CI_PATH + "/azure-pipelines/oidctoken"


def mint_ci_token(state: SandboxState, audience: str, subject: str | None = None) -> str:
    """An ID token of the CI issuer, for the current subject unless `subject` is given."""
    now = int(time.time()) + state.ci_offset
    claims = {
        "jti": str(uuid.uuid4()),
        "iss": state.ci_issuer,
        "sub": subject or state.ci_subject,
        "aud": audience,
        "iat": now,
        "nbf": now,
        "exp": now + state.ci_lifetime,
        "runner_environment": "sandbox",
    }
    return state.ci_signer.sign(claims)


def _authorised(req: Request, expected: str) -> bool:
    given = req.bearer() or ""
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def _unauthorised(req: Request) -> Response:
    req.log["error"] = "unauthorized"
    return json_response(
        401,
        {"message": "Bad credentials: the request token is missing or wrong."},
        [("WWW-Authenticate", 'Bearer realm="sandbox-ci"')],
    )


def github(state: SandboxState, req: Request) -> Response:
    if not _authorised(req, state.ci_request_token):
        return _unauthorised(req)
    audience = req.arg("audience") or DEFAULT_AUDIENCE
    return json_response(200, {"count": 1, "value": mint_ci_token(state, audience)})


def azure_pipelines(state: SandboxState, req: Request) -> Response:
    if not _authorised(req, state.pipelines_access_token):
        return _unauthorised(req)
    if not req.arg("serviceConnectionId"):
        req.log["error"] = "missing_service_connection"
        return json_response(400, {"message": "The serviceConnectionId query parameter is required."})
    return json_response(200, {"oidcToken": mint_ci_token(state, DEFAULT_AUDIENCE)})


def discovery(state: SandboxState, req: Request) -> Response:
    issuer = state.ci_issuer
    return json_response(
        200,
        {
            "issuer": issuer,
            "jwks_uri": issuer + "/.well-known/jwks",
            "subject_types_supported": ["public", "pairwise"],
            "response_types_supported": ["id_token"],
            "claims_supported": ["sub", "aud", "exp", "iat", "iss", "jti", "nbf", "runner_environment"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid"],
        },
    )


def routes(state: SandboxState) -> list[Route]:
    return [
        route("oidc", "GET", GITHUB_PATH, lambda r: github(state, r)),
        route("oidc", "POST", PIPELINES_PATH, lambda r: azure_pipelines(state, r)),
        route("oidc", "GET", CI_PATH + r"/\.well-known/openid-configuration", lambda r: discovery(state, r)),
        route("oidc", "GET", CI_PATH + r"/\.well-known/jwks", lambda r: json_response(200, state.ci_signer.jwks())),
    ]
