"""Clouds: the four built-in national clouds and custom ones declared in a profiles file."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from entra_profiles.config.fields import GRAPH_APP_ID, GRAPH_HOSTS
from entra_profiles.config.models import CustomCloud


@dataclass(frozen=True)
class Cloud:
    name: str
    authority_host: str  # https://login.microsoftonline.com
    graph_endpoint: str  # https://graph.microsoft.com
    keyvault_suffix: str  # vault.azure.net
    ca_bundle: str | None = None  # absolute path; None: the system trust store
    managed_identity_endpoint: str | None = None
    custom: bool = False

    @property
    def graph_scope(self) -> str:
        return f"{self.graph_endpoint}/.default"

    @property
    def keyvault_scope(self) -> str:
        """The only scope a vault token is asked for: https://vault.azure.net/.default in Global."""
        return f"https://{self.keyvault_suffix}/.default"


BUILTIN: dict[str, Cloud] = {
    c.name: c
    for c in (
        Cloud("Global", "https://login.microsoftonline.com", "https://graph.microsoft.com", "vault.azure.net"),
        Cloud(
            "USGov",
            "https://login.microsoftonline.us",
            "https://graph.microsoft.us",
            "vault.usgovcloudapi.net",
        ),
        Cloud(
            "USGovDoD",
            "https://login.microsoftonline.us",
            "https://dod-graph.microsoft.us",
            "vault.usgovcloudapi.net",
        ),
        Cloud(
            "China",
            "https://login.chinacloudapi.cn",
            "https://microsoftgraph.chinacloudapi.cn",
            "vault.azure.cn",
        ),
    )
}

# Names people bring from az CLI, Connect-MgGraph and Terraform, to suggest ours.
ALIASES = {
    "azurecloud": "Global",
    "public": "Global",
    "azurepubliccloud": "Global",
    "azureusgovernment": "USGov",
    "usgovernment": "USGov",
    "azurechinacloud": "China",
    "azurechina": "China",
    "usgovernmentl4": "USGov",
    "usgovernmentl5": "USGovDoD",
    "dod": "USGovDoD",
}


def custom_cloud(name: str, spec: CustomCloud, ca_bundle: str | None) -> Cloud:
    return Cloud(
        name=name,
        authority_host=spec.authority_host,
        graph_endpoint=spec.graph_endpoint,
        keyvault_suffix=spec.keyvault_suffix,
        ca_bundle=ca_bundle,
        managed_identity_endpoint=spec.managed_identity_endpoint,
        custom=True,
    )


def is_graph_scope(scope: str, graph_endpoint: str) -> bool:
    """Whether an app-only scope asks for Microsoft Graph, however it is spelled: by its application id,
    as any cloud's Graph or this cloud's (custom) Graph endpoint, in any case, with Entra's v1 trailing /."""
    resource = scope.removesuffix("/.default").rstrip("/")
    if resource.lower() == GRAPH_APP_ID:
        return True
    try:
        parts, own = urlsplit(resource), urlsplit(graph_endpoint)
    except ValueError:
        return False
    hosts = GRAPH_HOSTS | {own.hostname or ""}
    return parts.scheme.lower() == "https" and (parts.hostname or "") in hosts and parts.path.strip("/") == ""


def suggest(name: str, known: list[str]) -> str | None:
    """The cloud a person probably meant by an unknown name."""
    lowered = {k.lower(): k for k in known}
    if name.lower() in lowered:
        return lowered[name.lower()]
    return ALIASES.get(name.lower().replace(" ", "").replace("-", ""))
