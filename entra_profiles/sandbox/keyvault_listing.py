"""Key Vault listings: `GET /vaults/{vault}/secrets` and `GET /vaults/{vault}/secrets/{name}/versions`
(also under a vault-less id, `{base}/secrets/{name}/versions`), paged as Key Vault pages them: at most
`maxresults` items (1–25, default 25) and a `nextLink` that carries a `$skiptoken`, null on the last page.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlencode

from .keyvault import attributes_of, authorize, holder, vault_of
from .seed import Tenant, Vault
from .state import SandboxState
from .wire import Request, Response, Route, json_response, keyvault_error, route
from .world import SecretItem

MAX_RESULTS = 25


def _item(req: Request, name: str, item: SecretItem, with_version: bool) -> dict[str, object]:
    """A secret's properties as a listing shows them: no value."""
    suffix = f"/{item.version}" if with_version else ""
    entry: dict[str, object] = {
        "id": f"{req.base_url}/secrets/{name}{suffix}",
        "attributes": attributes_of(item),
        "tags": dict(item.spec.tags),
    }
    if item.content_type:
        entry["contentType"] = item.content_type
    if item.spec.pfx_file or item.spec.pem_file:
        entry["managed"] = True
    return entry


def _page(req: Request, entries: list[dict[str, object]], path: str) -> Response:
    raw_size, token = req.arg("maxresults"), req.arg("$skiptoken")
    if raw_size is not None and not (raw_size.isdigit() and 1 <= int(raw_size) <= MAX_RESULTS):
        return keyvault_error(
            req, 400, "BadParameter", f"The 'maxresults' query parameter must be between 1 and {MAX_RESULTS}."
        )
    size = int(raw_size) if raw_size is not None else MAX_RESULTS
    try:
        start = int(base64.urlsafe_b64decode(token.encode()).decode()) if token else 0
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return keyvault_error(req, 400, "BadParameter", "The '$skiptoken' query parameter is not valid.")
    end = start + size
    next_link = None
    if end < len(entries):
        query = {
            "api-version": req.arg("api-version") or "",
            "$skiptoken": base64.urlsafe_b64encode(str(end).encode()).decode(),
        }
        if raw_size is not None:
            query["maxresults"] = str(size)
        next_link = f"{req.base_url}{path}?{urlencode(query)}"
    return json_response(200, {"value": entries[start:end], "nextLink": next_link})


def _readable(state: SandboxState, req: Request, found: tuple[Tenant, Vault] | Response) -> Vault | Response:
    """The vault when the caller may list it; else the 404 or Key Vault's 401/403."""
    if isinstance(found, Response):
        return found
    refused = authorize(state, req, *found)
    return refused if refused is not None else found[1]


def list_secrets(state: SandboxState, req: Request) -> Response:
    found = _readable(state, req, vault_of(state, req))
    if isinstance(found, Response):
        return found
    vault = found
    entries = [
        _item(req, name, items[-1], with_version=False)
        for name in vault.secrets
        for items in [state.world.secrets[(vault.name.lower(), name.lower())]]
    ]
    return _page(req, entries, f"/vaults/{vault.name}/secrets")


def list_versions(state: SandboxState, req: Request) -> Response:
    if "vault" in req.match:
        found: tuple[Tenant, Vault] | Response | None = vault_of(state, req)
    else:
        found = holder(state, req, req.match["name"])
    if found is None:  # no vault holds it: an empty listing, as Key Vault gives for a name it does not know
        return json_response(200, {"value": [], "nextLink": None})
    vault_or_refusal = _readable(state, req, found)
    if isinstance(vault_or_refusal, Response):
        return vault_or_refusal
    vault = vault_or_refusal
    given = req.match["name"]
    name = next((k for k in vault.secrets if k.lower() == given.lower()), given)
    items = state.world.secrets.get((vault.name.lower(), given.lower()), [])
    prefix = f"/vaults/{vault.name}" if "vault" in req.match else ""
    return _page(req, [_item(req, name, i, with_version=True) for i in items], f"{prefix}/secrets/{name}/versions")


def routes(state: SandboxState) -> list[Route]:
    vault = r"/vaults/(?P<vault>[^/]+)"
    versions = r"/secrets/(?P<name>[^/]+)/versions/?"
    return [
        route("keyvault", "GET", vault + r"/secrets/?(?P<listing>)", lambda r: list_secrets(state, r)),
        route("keyvault", "GET", vault + versions + "(?P<listing>)", lambda r: list_versions(state, r)),
        route("keyvault", "GET", versions + "(?P<listing>)", lambda r: list_versions(state, r)),
    ]
