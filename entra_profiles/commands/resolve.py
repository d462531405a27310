"""`resolve`: every field of a profile after inheritance and references, and where its value came from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from pydantic import SecretStr

from entra_profiles.commands.common import file_option, load_selected, sandbox_info, sandbox_option, timeout_options
from entra_profiles.config.loader import ProfileSet
from entra_profiles.config.models import SECRET_FIELDS
from entra_profiles.errors import ConfigError, UsageError
from entra_profiles.output import out, table
from entra_profiles.redact import MASK
from entra_profiles.references.syntax import ReferenceSyntaxError, is_deferred, parse
from entra_profiles.safetext import json_text
from entra_profiles.terminal import width as terminal_width


def field_rows(ps: ProfileSet, name: str, offline: bool = False) -> list[dict[str, Any]]:
    """One row per field written for the profile: value (secrets masked), where written, where from.

    With `offline`, a Key Vault reference (not read) is shown as written, the text around it as a person
    would get it (`$${` as `${`), and its source says it was not read.
    """
    profile = ps.profiles[name]
    rows = []
    for path, where in ps.origins.get(name, {}).items():
        value: Any = profile
        for part in path:
            value = getattr(value, part, None)
        if isinstance(value, SecretStr) or path[-1] in SECRET_FIELDS:
            shown: Any = MASK if value is not None else None
        elif isinstance(value, list | tuple):
            shown = [_unescaped(str(v)) if offline else str(v) for v in value]
        else:
            shown = _unescaped(value) if offline and isinstance(value, str) else value
        source = ", ".join(sources(ps, name, path, where.path)) or "literal"
        if offline and _unread(value):
            source += " (not read: --offline)"
        rows.append(
            {"field": ".".join(path), "value": shown, "written": where.position(), "at": where.path, "source": source}
        )
    return rows


def sources(ps: ProfileSet, name: str, path: tuple[str, ...], written_at: str) -> list[str]:
    """Every reference the value was built from, in the order written: an environment variable whose
    default was used says so, a Key Vault secret that was read names its version."""
    unset = ps.defaults_used.get(written_at, set())
    read = iter(ps.resolved_from.get(name, {}).get(path, []))
    out = []
    for source in ps.sources.get(written_at, []):
        scheme, _, body = source.partition(":")
        if scheme == "env" and body in unset:
            source += " (unset, default used)"
        elif scheme == "keyvault":
            source = next(read, source)
        out.append(source)
    return out + list(read)  # a certificate read whole from Key Vault (credential.keyvault) is no ${…}


@click.command(
    epilog="""\b
Examples:
  entra-profiles resolve contoso-prod
  entra-profiles resolve contoso-prod --offline --format json
  entra-profiles resolve contoso-prod --timeout 10"""
)
@click.argument("profile")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--offline", is_flag=True, help="Do not read Key Vault; show references as written.")
@click.option("-v", "--verbose", is_flag=True, help="Full values and sources, even wider than the terminal.")
@timeout_options("for Key Vault reads and their sign-ins")
@sandbox_option
@file_option
@click.pass_context
def resolve(
    ctx: click.Context,
    profile: str,
    fmt: str,
    offline: bool,
    verbose: bool,
    timeout: float,
    retries: int,
    sandbox_dir: Path | None,
    file: Path | None,
) -> None:
    """Show every field of PROFILE, resolved, and where each value came from (secrets masked).

    On a terminal the table fits its width, long values and sources shortened in the
    middle (…); -v, --format json, or output to a pipe or file show them in full.
    """
    ps, names = load_selected(ctx, file, (profile,))
    if len(names) != 1:
        raise UsageError(
            f"'{profile}' selects {len(names)} profiles; resolve shows one",
            hint=f"name one of them: {', '.join(names[:5])}" + (", …" if len(names) > 5 else ""),
        )
    name = names[0]
    if not offline:
        from entra_profiles.deadlines import Deadline
        from entra_profiles.references.deferred import resolve_deferred

        deadline = Deadline.start(timeout)  # every read, its reader's sign-in included, ends by it
        ps, failed = resolve_deferred(ps, [name], sandbox_info(sandbox_dir), deadline, retries=retries)
        if name in failed:
            error = failed[name].error
            assert error is not None
            raise ConfigError([error.problem(name)])
    rows = field_rows(ps, name, offline)
    if fmt == "json":
        out(json_text({"profile": name, "fields": rows}, default=str))
        return
    out(
        table(
            [[r["field"], _text(r["value"]), r["source"], r["written"]] for r in rows],
            ["FIELD", "VALUE", "SOURCE", "WRITTEN AT"],
            width=None if verbose else terminal_width(),
            shrink=[(1, 2, 3)],
        )
    )


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(value)
    return "" if value is None else str(value)


def _unread(value: Any) -> bool:
    """Whether the value still holds a Key Vault reference."""
    values = value if isinstance(value, list | tuple) else [value]
    texts = [v.get_secret_value() if isinstance(v, SecretStr) else v for v in values]
    return any(isinstance(v, str) and is_deferred(v) for v in texts)


def _unescaped(value: str) -> str:
    """A string still holding a Key Vault reference keeps `$${` escapes: show `${`, as the resolved value has."""
    if not is_deferred(value):
        return value
    try:
        return "".join(p if isinstance(p, str) else p.raw for p in parse(value))
    except ReferenceSyntaxError:
        return value
