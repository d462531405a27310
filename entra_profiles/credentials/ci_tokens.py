"""CI OIDC tokens for workload identity: GitHub Actions' and Azure Pipelines' request endpoints.

`run` fetches one afresh for every Entra token (CI tokens live minutes); `export` fetches one now and
writes it to a private file (azure-identity reads a federated token only from a file); Terraform can
fetch its own and gets the request URL and bearer instead (`oidc_request`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from entra_profiles.config.models import WorkloadIdentity
from entra_profiles.errors import EntraProfilesError
from entra_profiles.redact import REDACTOR
from entra_profiles.routing import Route

if TYPE_CHECKING:
    from requests import PreparedRequest


class CiTokenUnavailable(EntraProfilesError):
    """The CI's OIDC token cannot be had here (not in that CI, no permission, endpoint refused)."""

    code = "unavailable"


PIPELINES_HINT = "run in a pipeline job and map SYSTEM_ACCESSTOKEN: $(System.AccessToken) into the step's env"
GITHUB_HINT = "give the job `permissions: id-token: write`, and run inside GitHub Actions"


def oidc_request(spec: WorkloadIdentity, route: Route, environ: Mapping[str, str]) -> tuple[str, str]:
    """The URL and bearer a tool uses to ask the CI for a token itself (Terraform's ARM_OIDC_REQUEST_*)."""
    sandbox = route.sandbox
    if spec.github:
        if sandbox is not None:
            return sandbox.oidc_request_url, sandbox.oidc_request_token
        url, token = environ.get("ACTIONS_ID_TOKEN_REQUEST_URL"), environ.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
        if not url or not token:
            raise CiTokenUnavailable(
                "GitHub Actions OIDC is not available: ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN are not set",
                hint=GITHUB_HINT,
            )
        return url, token
    if sandbox is not None and sandbox.azure_pipelines_oidc_url and sandbox.azure_pipelines_access_token:
        return sandbox.azure_pipelines_oidc_url, sandbox.azure_pipelines_access_token
    url, token = environ.get("SYSTEM_OIDCREQUESTURI"), environ.get("SYSTEM_ACCESSTOKEN")
    if not url or not token:
        raise CiTokenUnavailable(
            "Azure Pipelines OIDC is not available: SYSTEM_OIDCREQUESTURI / SYSTEM_ACCESSTOKEN are not set",
            hint=PIPELINES_HINT,
        )
    return url, token


def fetch_ci_token(spec: WorkloadIdentity, route: Route, environ: Mapping[str, str] | None = None) -> str:
    """A fresh OIDC token from GitHub Actions or Azure Pipelines (registered with the redactor)."""
    import requests

    env = os.environ if environ is None else environ
    url, bearer = oidc_request(spec, route, env)
    REDACTOR.register(bearer)
    verify: str | bool = route.sandbox.ca_bundle if route.sandbox is not None else True
    sep = "&" if "?" in url else "?"
    headers = {"Authorization": f"Bearer {bearer}", "Accept": "application/json"}
    who = "GitHub's" if spec.github else "Azure Pipelines'"
    try:
        with requests.Session() as session:
            # trust_env stays on, for HTTPS_PROXY/NO_PROXY. An inherited REQUESTS_CA_BUNDLE replaces only
            # verify=True: the sandbox's CA, passed as a path, wins (Session.merge_environment_settings).
            # An explicit auth keeps ~/.netrc from replacing the bearer header.
            session.auth = _as_given
            if spec.github:
                response = session.get(
                    f"{url}{sep}{urlencode({'audience': spec.audience})}", headers=headers, verify=verify, timeout=30
                )
                key = "value"
            else:
                if not spec.service_connection_id:
                    raise CiTokenUnavailable(
                        "azure_pipelines needs service_connection_id", hint="set credential.service_connection_id"
                    )
                query = urlencode({"api-version": "7.1", "serviceConnectionId": spec.service_connection_id})
                response = session.post(f"{url}{sep}{query}", headers=headers, json={}, verify=verify, timeout=30)
                key = "oidcToken"
    except requests.RequestException as exc:
        raise CiTokenUnavailable(f"{who} OIDC endpoint is unreachable: {type(exc).__name__}") from None
    hint = GITHUB_HINT if spec.github else PIPELINES_HINT
    if response.status_code != 200:
        raise CiTokenUnavailable(f"{who} OIDC endpoint answered {response.status_code}", hint=hint)
    try:
        token = str(response.json()[key])
    except (ValueError, KeyError, TypeError):
        raise CiTokenUnavailable(f"{who} OIDC endpoint sent no token", hint=hint) from None
    REDACTOR.register(token)
    return token


def _as_given(request: PreparedRequest) -> PreparedRequest:
    """A requests auth that changes nothing: the Authorization header is already set."""
    return request
