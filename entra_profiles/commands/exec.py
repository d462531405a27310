"""`exec`: run a command with a profile's variables in its environment, and clean up after it.

No secret is put on any command line (ours or the child's): values travel in the child's
environment only. The child's exit status is ours (128+N when a signal N killed it, 127 when the
command is not found, 126 when it cannot be run), which is why this command ends with SystemExit
rather than a return value that the CLI would map to its own exit codes.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from entra_profiles.commands.export import Wanted, _variables, profile_options
from entra_profiles.errors import UsageError
from entra_profiles.output import err


@click.command(
    epilog="""\b
Examples:
  entra-profiles exec prod -- python deploy.py
  entra-profiles exec prod --vars terraform -- terraform plan
  entra-profiles exec ci --vars all --check -- ./release.sh
  entra-profiles exec prod --token -- sh -c 'curl -H "Authorization: Bearer $AZURE_ACCESS_TOKEN" …'"""
)
@click.argument("profile")
@click.argument("command", nargs=-1, required=True)
@click.option("--nest", is_flag=True, help="Allow running inside another `entra-profiles exec`.")
@profile_options
@click.pass_context
def exec_command(
    ctx: click.Context,
    profile: str,
    command: tuple[str, ...],
    nest: bool,
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
    """Run COMMAND with PROFILE's variables added to its environment.

    Put `--` before the command. Its exit status becomes ours; SIGINT and SIGTERM
    reach it; private certificate and token files are removed when it ends.
    Refuses to run inside another exec (ENTRA_PROFILES_ACTIVE set) unless --nest.
    """
    from entra_profiles.exec import ACTIVE_ENV, CommandFailed, child_environment, run_child
    from entra_profiles.exports.variables import owned, parse_sets

    active = os.environ.get(ACTIVE_ENV)
    if active and not nest:
        raise UsageError(
            f"already inside `entra-profiles exec` for profile '{active}' ({ACTIVE_ENV} is set)",
            hint="run the command directly, or pass --nest to start one exec inside another",
        )
    sets = parse_sets(vars_text)
    from entra_profiles.exports.tempfiles import PrivateFiles, unwind_on_termination

    with unwind_on_termination(), PrivateFiles(os.environ) as files:
        wanted = Wanted(sets, check, token, scope, timeout, retries, certificate_format)
        p, variables = _variables(ctx, file, profile, sandbox_dir, wanted, "run", files)
        env = child_environment(os.environ, {v.name: v.value for v in variables}, owned(sets), p.name)
        try:
            code = run_child(list(command), env, files.remove)
        except CommandFailed as exc:
            err(f"error: {exc.message}")
            code = exc.status
    raise SystemExit(code)
