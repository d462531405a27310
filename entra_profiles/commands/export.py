"""`export`: a profile's variables in the format a shell, a CI system or another tool reads.

This and `exec` are the only places where secrets legitimately leave the tool: the exported text is
written with `sys.stdout.write` (or to `-o FILE`), never through `out()`, which would mask it.
Every message goes to stderr through `err()`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from entra_profiles.commands.common import file_option, sandbox_option, timeout_options
from entra_profiles.errors import UsageError
from entra_profiles.output import err

if TYPE_CHECKING:
    from entra_profiles.exports.base import Variable
    from entra_profiles.exports.prepare import Prepared
    from entra_profiles.exports.tempfiles import PrivateFiles

F = TypeVar("F", bound=Callable[..., Any])
FORMAT_NAMES = ["sh", "dotenv", "fish", "powershell", "json", "github", "azure-pipelines", "gitlab"]


@dataclass(frozen=True)
class Wanted:
    """What `export` and `exec` were asked for, besides the profile."""

    sets: tuple[str, ...]
    check: bool
    token: bool
    scope: str | None
    timeout: float
    retries: int
    certificate_format: str = "pem"


def profile_options(func: F) -> F:
    """Options `export` and `exec` share."""
    for decorator in reversed(
        [
            click.option(
                "--vars",
                "vars_text",
                default="azure-identity",
                show_default=True,
                metavar="SETS",
                help="Comma-separated: azure-identity, terraform, terraform-azuread, all.",
            ),
            click.option("--token", is_flag=True, help="Also AZURE_ACCESS_TOKEN and _EXPIRES_ON (a fresh token)."),
            click.option("--scope", default=None, help="Scope of --token (default: the profile's, else Graph)."),
            click.option("--check", is_flag=True, help="Connect first; refuse when no token can be had."),
            click.option(
                "--certificate-format",
                type=click.Choice(["pem", "pfx"]),
                default="pem",
                show_default=True,
                help="AZURE_CLIENT_CERTIFICATE_PATH as PEM (every client) or PFX (+ _PASSWORD; not Node, not az).",
            ),
            timeout_options("for Key Vault reads, --check, --token and the tenant's discovery"),
            sandbox_option,
            file_option,
        ]
    ):
        func = decorator(func)
    return func


@click.command(
    epilog="""\b
Examples:
  eval "$(entra-profiles export prod)"
  entra-profiles export prod --format dotenv -o prod.env
  entra-profiles export prod --vars terraform --format github
  entra-profiles export prod --format azure-pipelines --check
  entra-profiles export prod --template vars.j2 --token"""
)
@click.argument("profile")
@click.option("--format", "fmt", type=click.Choice(FORMAT_NAMES), default=None, help="Output format [default: sh].")
@click.option("--template", type=click.Path(path_type=Path, dir_okay=False, exists=True), help="A Jinja2 template.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None, help="Write FILE (0600, atomically).")
@click.option("--outputs", is_flag=True, help="github: append to $GITHUB_OUTPUT instead of $GITHUB_ENV.")
@click.option("--allow-secrets", is_flag=True, help="gitlab: write secrets to the dotenv report anyway.")
@profile_options
@click.pass_context
def export(
    ctx: click.Context,
    profile: str,
    fmt: str | None,
    template: Path | None,
    output: Path | None,
    outputs: bool,
    allow_secrets: bool,
    vars_text: str,
    token: bool,
    scope: str | None,
    check: bool,
    certificate_format: str,
    timeout: float,
    retries: int,
    sandbox_dir: Path | None,
    file: Path | None,
) -> None:
    """Print PROFILE's environment variables for other tools (azure-identity, Terraform, CI).

    Certificates from a store or Key Vault, and CI tokens, are written to private
    temporary files (0600 in a 0700 folder under $RUNNER_TEMP or the temp folder);
    remove them when done. Secrets are masked for GitHub and Azure Pipelines.
    """
    from entra_profiles.exports import FORMATS
    from entra_profiles.exports.base import FormatOptions
    from entra_profiles.exports.variables import owned, parse_sets

    sets = parse_sets(vars_text)
    _check_combination(fmt, template, output, outputs, allow_secrets)
    name = fmt or "sh"
    render = FORMATS[name]
    if template is not None:
        from entra_profiles.exports import template as template_format

        render = template_format.render
    from entra_profiles.exports.tempfiles import PrivateFiles, unwind_on_termination

    with unwind_on_termination(), PrivateFiles(os.environ) as files:
        wanted = Wanted(sets, check, token, scope, timeout, retries, certificate_format)
        p, variables = _variables(ctx, file, profile, sandbox_dir, wanted, "exported", files)
        options = FormatOptions(
            profile=p.name,
            unset=tuple(n for n in owned(sets) if n not in {v.name for v in variables}),
            github_file=os.environ.get("GITHUB_OUTPUT" if outputs else "GITHUB_ENV"),
            outputs=outputs,
            allow_secrets=allow_secrets,
            template=template,
        )
        result = render(variables, options)
        _deliver(result.stdout, result.append_to, result.append, output)
        files.keep()
    if files.folder is not None:
        err(f"note: wrote {len(files.written)} private file(s) to {files.folder}; remove it when done")
    stale = [n for n in options.unset if os.environ.get(n) is not None]
    if name in ("github", "azure-pipelines") and not outputs and stale:
        err(f"warning: {stale_warning(stale, name, p.profile.credential.type)}")
        err("  hint: export each profile in a job of its own, or in the step that uses it (exec)")


def stale_warning(stale: list[str], fmt: str, credential: str) -> str:
    """What the variables an earlier CI step set, and this profile does not, do to the steps after this one.
    (Setting them empty would not help: azure-identity takes an empty AZURE_CLIENT_SECRET as set.)"""
    names = ", ".join(stale)
    stays = f"{names} {'stays' if len(stale) == 1 else 'stay'} set from an earlier step ({fmt} cannot unset a variable)"
    if "AZURE_CLIENT_SECRET" in stale:
        return (
            f"{stays}, and azure-identity tries AZURE_CLIENT_SECRET first: the steps after this one would sign "
            f"in with that step's secret, not this profile's {credential.replace('_', ' ')}"
        )
    return (
        f"{stays}: the steps after this one see {'it' if len(stale) == 1 else 'them'} beside this profile's variables"
    )


def _variables(
    ctx: click.Context,
    file: Path | None,
    target: str,
    sandbox_dir: Path | None,
    wanted: Wanted,
    what: str,
    files: PrivateFiles,
) -> tuple[Prepared, list[Variable]]:
    """The prepared profile and its variables (the token last), writing private files into `files`.
    The tenant is handed over as its GUID: the token's when one was got anyway, else discovery's."""
    from entra_profiles.credentials.process_env import release_all
    from entra_profiles.deadlines import Deadline
    from entra_profiles.exports import prepare as prep
    from entra_profiles.exports.tenant import tenant_id
    from entra_profiles.run.options import ConnectOptions

    environ = dict(os.environ)  # as the user gave it: what our credentials set for themselves is not exported
    options = ConnectOptions(timeout=wanted.timeout, retries=wanted.retries)
    deadline = Deadline.start(wanted.timeout)  # every wait below, Key Vault reads to the token, ends by it
    try:
        p = prep.prepare(ctx, file, target, sandbox_dir, deadline, wanted.retries)
        tid = prep.check(p, what, options, deadline) if wanted.check else None
        token = prep.access_token(p, wanted.scope, options, deadline) if wanted.token else []
        guid = tenant_id(p.name, p.profile.tenant, p.route, deadline, tid or prep.token_tenant(token))
        variables = prep.build(
            p, wanted.sets, files, environ, guid, wanted.certificate_format, deadline, wanted.retries
        )
        return p, variables + token
    finally:
        release_all()  # exec's child gets the environment we were given, not the one our credentials set


def _check_combination(
    fmt: str | None, template: Path | None, output: Path | None, outputs: bool, allow_secrets: bool
) -> None:
    if template is not None and fmt is not None:
        raise UsageError("--template and --format exclude each other", hint="a template is a format of its own")
    if outputs and fmt != "github":
        raise UsageError("--outputs applies to --format github only")
    if allow_secrets and fmt != "gitlab":
        raise UsageError("--allow-secrets applies to --format gitlab only")
    if output is not None and fmt in ("github", "azure-pipelines"):
        where = "appends to $GITHUB_ENV" if fmt == "github" else "prints logging commands the agent reads"
        raise UsageError(f"-o does not apply to --format {fmt}: it {where}")


def _deliver(stdout: str, append_to: Path | None, append: str, output: Path | None) -> None:
    """Secrets reach their destination here, unmasked, and nowhere else."""
    from entra_profiles.exports.atomic import append_private, write_private
    from entra_profiles.output import write_stdout

    if output is not None and str(output) != "-":
        write_private(output, stdout)
    else:
        write_stdout(stdout, flush=True)  # GitHub: every ::add-mask:: is out before anything else happens
    if append_to is not None:
        append_private(append_to, append)
