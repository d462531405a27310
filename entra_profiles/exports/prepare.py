"""What `export` and `exec` share: one profile loaded and resolved, optionally checked, its
variables built, an access token added on request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from entra_profiles.clouds import Cloud
from entra_profiles.config.models import Profile
from entra_profiles.errors import ConfigError, UsageError
from entra_profiles.exports.base import ExportError, Variable
from entra_profiles.exports.material import Material
from entra_profiles.exports.tempfiles import PrivateFiles
from entra_profiles.output import err
from entra_profiles.redact import REDACTOR
from entra_profiles.routing import Route

if TYPE_CHECKING:
    from entra_profiles.deadlines import Deadline
    from entra_profiles.run.options import ConnectOptions


@dataclass(frozen=True)
class Prepared:
    """One profile, resolved, with where its requests go."""

    name: str
    profile: Profile
    cloud: Cloud
    route: Route
    base_dir: Path
    vault_material: tuple[bytes, str] | None = field(repr=False)  # a Key Vault certificate's PFX/PEM bytes

    @property
    def scope(self) -> str:
        return self.profile.scopes[0] if self.profile.scopes else self.cloud.graph_scope


def prepare(
    ctx: click.Context,
    file: Path | None,
    target: str,
    sandbox_dir: Path | None,
    deadline: Deadline | None = None,
    retries: int = 3,
) -> Prepared:
    """Load the file, select exactly one profile and resolve its Key Vault references (by `deadline`)."""
    from entra_profiles.commands.common import load_selected, sandbox_info
    from entra_profiles.references.deferred import resolve_deferred
    from entra_profiles.routing import route_for

    ps, names = load_selected(ctx, file, (target,))
    if len(names) != 1:
        raise UsageError(f"'{target}' selects {len(names)} profiles; name one profile")
    name = names[0]
    sandbox = sandbox_info(sandbox_dir)
    ps, failed = resolve_deferred(ps, [name], sandbox, deadline, retries=retries)
    if name in failed:
        error = failed[name].error
        assert error is not None
        raise ConfigError([error.problem(name)])
    profile = ps.profiles[name]
    cloud = ps.cloud(profile.cloud)
    return Prepared(name, profile, cloud, route_for(cloud, sandbox), ps.file.parent, ps.certificates.get(name))


def check(p: Prepared, what: str, options: ConnectOptions, deadline: Deadline) -> str | None:
    """Connect the profile (token, claims, its `expect:` checks); refuse to go on when it fails.
    The token's tenant (`tid`), which export hands over instead of a domain."""
    from entra_profiles.credentials.options import Transports
    from entra_profiles.run.connect import connect

    transports = Transports.within(deadline.left(), concurrency=1, retries=options.retries)
    spent = deadline.budget - deadline.left()
    try:
        result = connect(p.name, p.profile, p.cloud, p.route, transports, p.base_dir, options, p.vault_material, spent)
    finally:
        transports.close()
    failure = result.failure()  # the connection's, or a failed `expect:` check's
    if failure is not None:
        raise ExportError(f"{p.name}: --check failed, nothing {what}: {failure.message}", hint=failure.hint)
    for warning in result.warnings:  # the token is good, but the person should know (as `run` says it)
        err(f"warning: {p.name}: {warning}")
    tid = (result.context or {}).get("TenantId")
    return tid if isinstance(tid, str) else None


def access_token(p: Prepared, scope: str | None, options: ConnectOptions, deadline: Deadline) -> list[Variable]:
    """AZURE_ACCESS_TOKEN (secret) and AZURE_ACCESS_TOKEN_EXPIRES_ON (Unix time, seconds)."""
    from entra_profiles.config.models import ManagedIdentity
    from entra_profiles.credentials.options import Transports
    from entra_profiles.run.connect import fresh_token
    from entra_profiles.run.failures import classify

    transports = Transports.within(deadline.left(), concurrency=1, retries=options.retries)
    stage = "managed_identity" if isinstance(p.profile.credential, ManagedIdentity) else "token"
    try:
        token, expires_on = fresh_token(
            p.profile, p.route, transports, p.base_dir, scope or p.scope, options, p.vault_material, deadline
        )
    except Exception as exc:
        failure = classify(exc, p.route, stage, deadline, p.profile.tenant)
        raise ExportError(f"{p.name}: cannot get an access token: {failure.message}", hint=failure.hint) from None
    finally:
        transports.close()
    REDACTOR.register(token)
    return [
        Variable("AZURE_ACCESS_TOKEN", token, secret=True),
        Variable("AZURE_ACCESS_TOKEN_EXPIRES_ON", str(expires_on)),
    ]


def token_tenant(variables: list[Variable]) -> str | None:
    """The `tid` of the access token among `variables` (--token's), if any."""
    from entra_profiles.context import token_claims

    for v in variables:
        if v.name == "AZURE_ACCESS_TOKEN":
            tid = token_claims(v.value).get("tid")
            return tid if isinstance(tid, str) else None
    return None


def build(
    p: Prepared,
    sets: tuple[str, ...],
    files: PrivateFiles,
    environ: Mapping[str, str],
    tenant_id: str,
    certificate_format: str = "pem",
    deadline: Deadline | None = None,
    retries: int = 3,
) -> list[Variable]:
    """The profile's variables for the chosen sets (writing private files as needed; a CI token is
    fetched by `deadline`)."""
    from entra_profiles.exports.variables import profile_variables

    material = Material(p.base_dir, p.route, files, p.vault_material, environ, deadline, retries)
    variables = profile_variables(
        p.profile, p.cloud, p.route, sets, material, tenant_id=tenant_id, certificate_format=certificate_format
    )
    for v in variables:
        if v.secret:
            REDACTOR.register(v.value)
    return variables
