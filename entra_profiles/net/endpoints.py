"""Endpoints named as a person knows them: the token endpoint, discovery, managed identity, a CI's OIDC
endpoint, Key Vault, Graph; by the URL a request went to, or by the stage a profile was in."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from entra_profiles.net.causes import origin
from entra_profiles.routing import Route


def endpoint(stage: str, route: Route, url: str | None = None) -> str:
    """The endpoint a request went to, in words: by its URL when known, else by the stage it was in."""
    if url:
        path, at = _path(url), origin(url)
        if path.endswith("/.well-known/openid-configuration") or "/discovery/" in path:
            return f"the discovery endpoint at {at}"
        if url.startswith(route.graph_url + "/v1.0/"):
            return f"Microsoft Graph at {route.graph_url}"
        ci = _ci_endpoint(url, route)
        if ci is not None:
            return f"{ci} at {at}"
        app_service = os.environ.get("IDENTITY_ENDPOINT")
        if path.startswith(("/metadata/identity/", "/msi/")) or (app_service and url.startswith(app_service)):
            return f"the managed identity endpoint at {at}"
        if "/oauth2/" in path:
            return f"the token endpoint at {at}"
        if "/secrets/" in path:
            return f"Key Vault at {at}"
        return at
    if stage == "graph":
        return f"Microsoft Graph at {route.graph_url}"
    if stage == "managed_identity":
        host = route.managed_identity_host
        return f"the managed identity endpoint at {host}" if host else "the managed identity endpoint"
    return f"the token endpoint at {route.authority_host}"


def _ci_endpoint(url: str, route: Route) -> str | None:
    github = [os.environ.get("ACTIONS_ID_TOKEN_REQUEST_URL")]
    pipelines = [os.environ.get("SYSTEM_OIDCREQUESTURI")]
    if route.sandbox is not None:
        github.append(route.sandbox.oidc_request_url)
        pipelines.append(route.sandbox.azure_pipelines_oidc_url)
    if any(u and url.split("?")[0] == u.split("?")[0] for u in github):
        return "GitHub's OIDC endpoint"
    if any(u and url.split("?")[0] == u.split("?")[0] for u in pipelines):
        return "Azure Pipelines' OIDC endpoint"
    return None


def _path(url: str) -> str:
    try:
        return urlsplit(url).path
    except ValueError:
        return ""
