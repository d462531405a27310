"""Key Vault secrets: `GET /vaults/{vault}/secrets/{name}[/{version}]`, behind the bearer challenge.

Secret ids are `https://127.0.0.1:PORT/secrets/{name}/{version}` (no `/vaults/{vault}` prefix) because
the client parses an id as exactly `/secrets/{name}[/{version}]`; such an id is served as it is.
Listing secrets and versions (paged, with `nextLink`) is `keyvault_listing`'s, routed before these.
"""

from __future__ import annotations

import time

from .accesstokens import issuer_for, token_of
from .resources import canonical_resource
from .seed import Tenant, Vault
from .state import SandboxState
from .wire import Request, Response, Route, json_response, keyvault_error, route
from .world import SecretItem, utc

NOT_FOUND_HELP = (
    "was not found in this key vault. If you recently deleted this secret you may be able to recover it using "
    "the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182"
)


def attributes_of(item: SecretItem) -> dict[str, object]:
    spec = item.spec
    attributes: dict[str, object] = {
        "enabled": spec.enabled,
        "created": item.created,
        "updated": item.created,
        "recoveryLevel": "Recoverable+Purgeable",
        "recoverableDays": 90,
    }
    if spec.expires is not None:
        attributes["exp"] = int(utc(spec.expires).timestamp())  # type: ignore[union-attr]
    if spec.not_before is not None:
        attributes["nbf"] = int(utc(spec.not_before).timestamp())  # type: ignore[union-attr]
    return attributes


def secret_body(req: Request, name: str, item: SecretItem) -> dict[str, object]:
    spec = item.spec
    body: dict[str, object] = {
        "value": item.content,
        "id": f"{req.base_url}/secrets/{name}/{item.version}",
        "attributes": attributes_of(item),
        "tags": dict(spec.tags),
    }
    if item.content_type:
        body["contentType"] = item.content_type
    if spec.pfx_file or spec.pem_file:
        body["kid"] = f"{req.base_url}/keys/{name}/{item.version}"
        body["managed"] = True
    return body


def authorize(state: SandboxState, req: Request, tenant: Tenant, vault: Vault) -> Response | None:
    """None when the bearer token may read `vault`; else Key Vault's 401 (with its challenge) or 403."""
    req.log["tenant"] = tenant.id
    challenge = [
        ("WWW-Authenticate", f'Bearer authorization="{req.base_url}/{tenant.id}", resource="https://vault.azure.net"')
    ]
    token = req.bearer()
    if token is None:
        return keyvault_error(
            req, 401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.", headers=challenge
        )
    claims, reason = token_of(state, token)
    if claims is None:
        text = "The access token has expired." if reason == "expired" else "The access token is not valid."
        return keyvault_error(req, 401, "Unauthorized", text, headers=challenge)
    appid, oid, tid = str(claims.get("appid")), str(claims.get("oid")), str(claims.get("tid"))
    req.log["client_id"] = appid
    if canonical_resource(str(claims.get("aud", ""))) != "keyvault":
        return keyvault_error(
            req,
            401,
            "Unauthorized",
            f"AKV10022: Invalid audience. Expected https://vault.azure.net, found: {claims.get('aud')}.",
            headers=challenge,
        )
    if tid.lower() != tenant.id.lower():
        return keyvault_error(
            req,
            401,
            "Unauthorized",
            f"AKV10032: Invalid issuer. Expected one of {issuer_for(tenant.id)}, found: {issuer_for(tid)}.",
            headers=challenge,
        )
    if not readable(vault, claims):
        operation = "list" if "listing" in req.match else "get"
        return keyvault_error(
            req,
            403,
            "Forbidden",
            f"The user, group or application 'appid={appid};oid={oid};"
            f"iss={issuer_for(tid)}' does not have secrets {operation} permission on key vault "
            f"'{vault.name};location=sandbox'. For help resolving this issue, please see "
            "https://go.microsoft.com/fwlink/?linkid=2125287",
            "ForbiddenByPolicy",
        )
    if not req.arg("api-version"):
        return keyvault_error(req, 400, "BadParameter", "The 'api-version' query parameter is required.")
    return None


def readable(vault: Vault, claims: dict[str, object]) -> bool:
    readers = {r.lower() for r in vault.readers}
    return str(claims.get("appid")).lower() in readers or str(claims.get("oid")).lower() in readers


def vault_of(state: SandboxState, req: Request) -> tuple[Tenant, Vault] | Response:
    """The vault named in the path, or Key Vault's 404 for it."""
    found = state.world.vaults.get(req.match["vault"].lower())
    if found is None:
        return keyvault_error(req, 404, "VaultNotFound", f"The vault '{req.match['vault']}' does not exist.")
    return found


def get_secret(state: SandboxState, req: Request) -> Response:
    found = vault_of(state, req)
    if isinstance(found, Response):
        return found
    return _serve(state, req, *found)


def get_secret_by_id(state: SandboxState, req: Request) -> Response:
    """`GET {base}/secrets/{name}[/{version}]`: a secret id as Key Vault returns it, fetched as it is."""
    version = req.match.get("version") or ""
    found = holder(state, req, req.match["name"], version)
    if found is None:
        return _not_found(req, req.match["name"], version)
    return _serve(state, req, *found)


def holder(state: SandboxState, req: Request, name: str, version: str = "") -> tuple[Tenant, Vault] | None:
    """The vault holding secret `name` (and `version`) for a vault-less id: an id names no vault (see the
    module's note), so with several holders the first one the caller's token may read wins."""
    holders = [
        state.world.vaults[vault_name]
        for (vault_name, secret_name), items in state.world.secrets.items()
        if secret_name == name.lower() and (not version or any(i.version == version.lower() for i in items))
    ]
    claims, _ = token_of(state, req.bearer())
    mine = [(t, v) for t, v in holders if claims and str(claims.get("tid")).lower() == t.id.lower()]
    usable = [(t, v) for t, v in mine if claims and readable(v, claims)] or mine or holders
    return usable[0] if usable else None


def _not_found(req: Request, name: str, version: str) -> Response:
    shown = f"{name}/{version}" if version else name
    return keyvault_error(req, 404, "SecretNotFound", f"A secret with (name/id) {shown} {NOT_FOUND_HELP}")


def _serve(state: SandboxState, req: Request, tenant: Tenant, vault: Vault) -> Response:
    refused = authorize(state, req, tenant, vault)
    if refused is not None:
        return refused
    name_given, version = req.match["name"], req.match.get("version") or ""
    items = state.world.secrets.get((vault.name.lower(), name_given.lower()))
    name = next((k for k in vault.secrets if k.lower() == name_given.lower()), name_given)
    item = None
    if items:
        item = items[-1] if not version else next((i for i in items if i.version == version.lower()), None)
    if item is None:
        return _not_found(req, name_given, version)
    if not item.spec.enabled:
        return keyvault_error(
            req, 403, "Forbidden", "Operation get is not allowed on a disabled secret.", "SecretDisabled"
        )
    now = time.time()
    expires, not_before = utc(item.spec.expires), utc(item.spec.not_before)
    if vault.refuse_expired and expires is not None and expires.timestamp() <= now:
        return keyvault_error(
            req, 403, "Forbidden", "Operation get is not allowed on an expired secret.", "SecretExpired"
        )
    if vault.refuse_expired and not_before is not None and not_before.timestamp() > now:
        return keyvault_error(
            req,
            403,
            "Forbidden",
            "Operation get is not allowed on a secret that is not yet valid.",
            "SecretNotYetValid",
        )
    return json_response(200, secret_body(req, name, item))


def routes(state: SandboxState) -> list[Route]:
    secret = r"/secrets/(?P<name>[^/]+)(?:/(?P<version>[^/]*))?/?"
    return [
        route("keyvault", "GET", r"/vaults/(?P<vault>[^/]+)" + secret, lambda r: get_secret(state, r)),
        route("keyvault", "GET", secret, lambda r: get_secret_by_id(state, r)),
    ]
