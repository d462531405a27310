"""Where a profile's requests go: its cloud's hosts, or a running sandbox that stands in for them.

Scopes and resources never change (a token for `https://graph.microsoft.com/.default` is asked
for either way); only the hosts the requests are sent to and the CA that signs them do.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from entra_profiles.clouds import Cloud
from entra_profiles.errors import UsageError
from entra_profiles.results import Failure
from entra_profiles.sandbox.info import INFO_FILE, answering, loopback_address, pid_alive

SANDBOX_ENV = "ENTRA_PROFILES_SANDBOX"


@dataclass(frozen=True)
class SandboxTenant:
    """A tenant of the sandbox's world, as sandbox.json lists it."""

    id: str
    domains: tuple[str, ...] = ()
    display_name: str = ""

    def named(self, tenant: str) -> bool:
        return tenant.lower() in {self.id.lower(), *(d.lower() for d in self.domains)}

    @property
    def label(self) -> str:
        return self.domains[0] if self.domains else self.id


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
    arm_metadata_host: str | None = None  # `127.0.0.1:PORT`: ARM's /metadata/endpoints (a sandbox of 2026-11 on)
    directory: str = ""  # the state directory it was loaded from
    seed: str | None = None  # the seed file it was started with
    seeded: bool | None = None  # None: sandbox.json does not say (an older sandbox)
    tenants: tuple[SandboxTenant, ...] | None = None  # its world's tenants; None: not said

    def __repr__(self) -> str:
        return f"SandboxInfo(authority_host={self.authority_host!r})"

    def world_gap(self, tenant: str | None) -> str | None:
        """What the sandbox's world lacks for a profile of `tenant` (None: unknown, such as a reference not read
        yet): it is empty (started without --seed), or has no such tenant; None when nothing is known to lack."""
        if self.seeded is False:
            return (
                f"the sandbox in {self.directory} was started without --seed: its world is empty; restart it with "
                f"{_serve_command(Path(self.directory))} (`make demo` writes one to .demo/seed.yaml)"
            )
        if tenant is None or self.tenants is None or any(t.named(tenant) for t in self.tenants):
            return None
        known = ", ".join(t.label for t in self.tenants[:MAX_TENANTS_SHOWN])
        more = f", and {len(self.tenants) - MAX_TENANTS_SHOWN} more" if len(self.tenants) > MAX_TENANTS_SHOWN else ""
        has = f"it has: {known}{more}" if self.tenants else "it has none"
        seed = f"seed {self.seed}" if self.seed else "seed"
        return f"the sandbox's {seed} has no tenant {tenant} ({has}): add the tenant there, or use another sandbox"


# What sandbox.json must hold for the commands to use it, and the JSON type of each value.
INFO_TYPES: dict[str, type] = {
    "authority_host": str,
    "ca_bundle": str,
    "port": int,
    "pid": int,
    "graph_endpoint": str,
    "keyvault_url": str,
    "imds_authority_host": str,
    "oidc_request_url": str,
    "oidc_request_token": str,
}
OPTIONAL_TYPES: dict[str, type] = {
    "azure_pipelines_oidc_url": str,
    "azure_pipelines_access_token": str,
    "seed": str,
    "arm_metadata_host": str,
    "seeded": bool,
    "tenants": list,
}
MAX_TENANTS_SHOWN = 5
JSON_NAMES = {str: "a string", int: "an integer", bool: "true or false", float: "a number", list: "a list",
              dict: "an object", type(None): "null"}  # fmt: skip


def _serve_command(directory: Path, seed: object = None) -> str:
    seed_arg = shlex.quote(seed) if isinstance(seed, str) and seed else "SEED.yaml"
    return f"entra-profiles sandbox serve --state-dir {shlex.quote(str(directory))} --seed {seed_arg}"


def load_sandbox(directory: Path) -> SandboxInfo:
    """The sandbox running in `directory`, from its sandbox.json; a `UsageError` naming the file and what is
    wrong when there is none, the file is not a sandbox's, or its sandbox is no longer running."""
    path = directory / INFO_FILE
    restart = f"restart the sandbox: {_serve_command(directory)}"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(
            f"no sandbox is running in {directory} ({path} not found)",
            hint=f"start one with: {_serve_command(directory)}",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise UsageError(f"cannot read {path}: {reason}", hint=restart) from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        where = f" (line {exc.lineno}, column {exc.colno}: {exc.msg})" if isinstance(exc, json.JSONDecodeError) else ""
        raise UsageError(f"{path} is not valid JSON{where}", hint=restart) from None
    if not isinstance(data, dict):
        raise UsageError(f"{path} should hold a JSON object, not {_json_name(data)}", hint=restart) from None
    problems = _info_problems(data)
    if problems:
        raise UsageError(f"{path} is not usable: {'; '.join(problems)}", hint=restart)
    if not answering(data["authority_host"]):
        pid, port, start = data["pid"], data["port"], _serve_command(directory, data.get("seed"))
        if pid_alive(pid):
            raise UsageError(
                f"the sandbox in {directory} (pid {pid}) does not answer on port {port}",
                hint=f"stop it and start it again: {start}",
            )
        raise UsageError(f"the sandbox in {directory} (pid {pid}) is not running", hint=f"start it with: {start}")
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
        arm_metadata_host=data.get("arm_metadata_host"),
        directory=str(directory),
        seed=data.get("seed"),
        seeded=data.get("seeded"),
        tenants=_tenants(data.get("tenants")),
    )


def _tenants(listed: object) -> tuple[SandboxTenant, ...] | None:
    """sandbox.json's `tenants` (each {id, domains, display_name}); None when it does not list them usably."""
    if not isinstance(listed, list):
        return None
    tenants = []
    for t in listed:
        if not isinstance(t, dict) or not isinstance(t.get("id"), str):
            return None
        domains, name = t.get("domains"), t.get("display_name")
        named = tuple(d for d in domains if isinstance(d, str)) if isinstance(domains, list) else ()
        tenants.append(SandboxTenant(t["id"], named, name if isinstance(name, str) else ""))
    return tuple(tenants)


def _json_name(value: object) -> str:
    return JSON_NAMES.get(type(value), type(value).__name__)


def _info_problems(data: dict[str, object]) -> list[str]:
    """What makes `data` unusable, by key and JSON type only: its values are secrets."""
    missing = [key for key in INFO_TYPES if key not in data]
    problems = [f"{'lacks' if len(missing) == 1 else 'lacks keys'} {', '.join(missing)}"] if missing else []
    for key, kind in {**INFO_TYPES, **OPTIONAL_TYPES}.items():
        value = data.get(key)
        if key in data and type(value) is not kind and not (key in OPTIONAL_TYPES and value is None):
            problems.append(f"{key} should be {JSON_NAMES[kind]}, not {_json_name(value)}")
    if not problems and loopback_address(str(data["authority_host"])) is None:
        problems.append("authority_host is not an https:// URL on a loopback address")
    return problems


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


# Failures that say something is not there (a tenant, an app, a secret): a sandbox world may explain them.
NOT_THERE = frozenset({"AADSTS90002", "AADSTS700016", "keyvault_not_found"})


def in_world(failure: Failure, sandbox: SandboxInfo | None, tenant: str | None, *, missing: bool = False) -> Failure:
    """`failure` with the sandbox's world named in its hint when it says something is not there (a tenant, an
    app, an identity — `missing` —, a secret) and the world is empty or lacks the profile's tenant."""
    from entra_profiles.references.syntax import is_deferred

    if sandbox is None or not (missing or failure.code in NOT_THERE):
        return failure
    gap = sandbox.world_gap(None if tenant is None or is_deferred(tenant) else tenant)
    if gap is None:
        return failure
    return Failure(failure.code, failure.message, gap, failure.where, failure.reason)
