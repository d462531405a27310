"""The resources Entra knows: Microsoft's first-party APIs in every national cloud, and the seed's own.

A token is issued only for a known resource (real Entra answers AADSTS500011 for any other). Names are
compared as Entra compares identifier URIs: without case and without a trailing `/`.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from urllib.parse import urlsplit

from .seed import Tenant

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
GRAPH_RESOURCES = {
    "https://graph.microsoft.com",
    "https://graph.microsoft.us",
    "https://dod-graph.microsoft.us",
    "https://microsoftgraph.chinacloudapi.cn",
    GRAPH_APP_ID,
}
VAULT_RESOURCES = {
    "https://vault.azure.net",
    "https://vault.usgovcloudapi.net",
    "https://vault.azure.cn",
    "https://vault.microsoftazure.de",
    "cfa8b339-82a2-471a-a3c9-0fc0be7a4093",
}
ARM_RESOURCES = {
    "https://management.azure.com",
    "https://management.core.windows.net",
    "https://management.usgovcloudapi.net",
    "https://management.core.usgovcloudapi.net",
    "https://management.chinacloudapi.cn",
    "https://management.core.chinacloudapi.cn",
    "797f4846-ba00-4fd7-ba43-dac1f8f63013",
}
STORAGE_RESOURCES = {"https://storage.azure.com", "e406a681-f3d4-42a8-90b6-c2b029497af1"}
AAD_GRAPH_RESOURCES = {"https://graph.windows.net", "00000002-0000-0000-c000-000000000000"}  # az's graphAudience
STORAGE_ACCOUNT = re.compile(
    r"^https://[a-z0-9]{3,24}\.(blob|queue|table|file|dfs)\.core\.(windows\.net|usgovcloudapi\.net|chinacloudapi\.cn)$"
)
# What ARM accepts in a token's `aud` (its 401 lists them).
ARM_AUDIENCES = (
    "https://management.core.windows.net/",
    "https://management.core.windows.net",
    "https://management.azure.com/",
    "https://management.azure.com",
)


def normalized(resource: str) -> str:
    return resource.strip().rstrip("/").lower()


def _graph_named(name: str, prefix: str = "graph.") -> bool:
    """`https://graph.DOMAIN`: how every Graph host is named (graph.microsoft.com, graph.microsoft.us,
    Azure Stack's graph.local.azurestack.external …), and so a custom cloud's, e.g. graph.lab.contoso.example.
    With `prefix` "vault.": a custom cloud's Key Vault resource, `https://` + its keyvault_suffix."""
    try:
        parts = urlsplit(name)
        host = parts.hostname or ""
    except ValueError:
        return False
    return parts.scheme == "https" and not parts.path and host.startswith(prefix) and len(host) > len(prefix)


def canonical_resource(resource: str, graph_aliases: Collection[str] = ()) -> str:
    """Lower case, no trailing slash; every Graph (Key Vault, ARM) alias maps to one name, so roles granted
    for `https://graph.microsoft.com` also apply to the sovereign Graph hosts, the Graph app id, and
    the Graph of any custom cloud routed to the sandbox: a `https://graph.DOMAIN` resource, or one of
    `graph_aliases` (the seed's, already `normalized`)."""
    name = normalized(resource)
    if name in GRAPH_RESOURCES or name in graph_aliases or _graph_named(name):
        return "graph"
    if name in VAULT_RESOURCES or _graph_named(name, "vault."):
        return "keyvault"
    if name in ARM_RESOURCES:
        return "arm"
    return name


def is_known(resource: str, own: Collection[str], graph_aliases: Collection[str] = ()) -> bool:
    """Whether Entra would find a resource principal named `resource` in a tenant: Microsoft's APIs (Graph,
    Key Vault, ARM, Storage, in every cloud) or one of the tenant's `own` (see `tenant_resources`)."""
    name = normalized(resource)
    if canonical_resource(name, graph_aliases) in ("graph", "keyvault", "arm"):
        return True
    if name in STORAGE_RESOURCES or name in AAD_GRAPH_RESOURCES or STORAGE_ACCOUNT.match(name):
        return True
    return name in own


def tenant_resources(tenant: Tenant) -> frozenset[str]:
    """The normalized names of the resources a seed tenant declares, directly or through its apps and roles."""
    names = {normalized(r) for r in tenant.resources}
    for app in tenant.apps:
        names.add(normalized(app.client_id))
        names.update(normalized(uri) for uri in app.identifier_uris)
        names.update(normalized(r) for r in app.roles)
    for identity in tenant.managed_identities:
        names.update(normalized(r) for r in identity.roles)
    return frozenset(names)
