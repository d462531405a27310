"""Where a profile's requests go: its cloud's hosts, or a running sandbox that stands in for them.

Scopes and resources never change (a token for `https://graph.microsoft.com/.default` is asked
for either way); only the hosts the requests are sent to and the CA that signs them do.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from entra_profiles.clouds import Cloud
from entra_profiles.errors import UsageError

SANDBOX_ENV = "ENTRA_PROFILES_SANDBOX"


@dataclass(frozen=True)
class SandboxInfo:
    """What a running sandbox wrote to DIR/sandbox.json."""

    authority_host: str
    ca_bundle: str
    graph_endpoint: str
    keyvault_url: str  # pattern holding {name}
    imds_authority_host: str
    oidc_request_url: str
    oidc_request_token: str
    azure_pipelines_oidc_url: str | None
    azure_pipelines_access_token: str | None

    def __repr__(self) -> str:
        return f"SandboxInfo(authority_host={self.authority_host!r})"


def load_sandbox(directory: Path) -> SandboxInfo:
    path = directory / "sandbox.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(
            f"no sandbox is running in {directory} ({path} not found)",
            hint=f"start one with: entra-profiles sandbox serve --state-dir {directory}",
        ) from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    try:
        return SandboxInfo(
            authority_host=data["authority_host"],
            ca_bundle=data["ca_bundle"],
            graph_endpoint=data["graph_endpoint"],
            keyvault_url=data["keyvault_url"],
            imds_authority_host=data["imds_authority_host"],
            oidc_request_url=data["oidc_request_url"],
            oidc_request_token=data["oidc_request_token"],
            azure_pipelines_oidc_url=data.get("azure_pipelines_oidc_url"),
            azure_pipelines_access_token=data.get("azure_pipelines_access_token"),
        )
    except KeyError as exc:
        raise UsageError(f"{path} lacks {exc}; is it from an older sandbox?") from None


@dataclass(frozen=True)
class Route:
    """The hosts and trust a profile's clients use."""

    cloud: Cloud
    authority_host: str
    graph_url: str
    ca_bundle: str | None
    disable_instance_discovery: bool
    sandbox: SandboxInfo | None = None

    @property
    def managed_identity_host(self) -> str | None:
        """The IMDS-style host managed identity requests go to instead of the machine's: the sandbox's,
        or a custom cloud's `managed_identity_endpoint`; None for the machine's own."""
        if self.sandbox is not None:
            return self.sandbox.imds_authority_host
        endpoint = self.cloud.managed_identity_endpoint
        return endpoint.split("/metadata/")[0] if endpoint else None

    def vault_url(self, vault_url: str) -> str:
        """The URL to send a Key Vault request to (`https://NAME.vault.azure.net` unless sandboxed)."""
        if self.sandbox is None:
            return vault_url
        name = (urlsplit(vault_url).hostname or "").split(".")[0]
        return self.sandbox.keyvault_url.format(name=name)


def route_for(cloud: Cloud, sandbox: SandboxInfo | None) -> Route:
    if sandbox is not None:
        return Route(cloud, sandbox.authority_host, sandbox.graph_endpoint, sandbox.ca_bundle, True, sandbox)
    return Route(cloud, cloud.authority_host, cloud.graph_endpoint, cloud.ca_bundle, cloud.custom)


def sandbox_dir(option: Path | None, environ: Mapping[str, str]) -> Path | None:
    if option is not None:
        return option
    value = environ.get(SANDBOX_ENV)
    return Path(value) if value else None
