"""`validate`: check a profiles file and report every problem with FILE:LINE:COL and a hint."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from entra_profiles.commands.common import (
    file_option,
    load_selected,
    profiles_file,
    sandbox_info,
    sandbox_option,
    targets_argument,
)
from entra_profiles.errors import ConfigError, ExitCode
from entra_profiles.output import out, out_commands

if TYPE_CHECKING:
    from entra_profiles.results import Failure


@click.command(
    epilog="""\b
Examples:
  entra-profiles validate
  entra-profiles validate -v
  entra-profiles -f prod.yaml validate 'contoso-*' tag:ci"""
)
@targets_argument
@click.option("--resolve", "resolve_refs", is_flag=True, help="Also read every Key Vault reference (network).")
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 3600),
    default=60.0,
    show_default=True,
    help="Seconds for --resolve's Key Vault reads, sign-ins included.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="github: annotations on the file's lines in a workflow run.",
)
@click.option("-v", "--verbose", is_flag=True, help="Also list each valid profile (text format).")
@sandbox_option
@file_option
@click.pass_context
def validate(
    ctx: click.Context,
    targets: tuple[str, ...],
    resolve_refs: bool,
    timeout: float,
    fmt: str,
    verbose: bool,
    sandbox_dir: Path | None,
    file: Path | None,
) -> ExitCode:
    """Check the profiles file (or the selected profiles) and report every problem.

    Checks the schema, inheritance, groups and references: environment variables and
    files are resolved, Key Vault references are shape-checked without network access.
    Quiet on success: one summary line (-v lists the profiles).
    """
    if fmt == "text":
        _check(ctx, targets, resolve_refs, timeout, sandbox_dir, file, verbose=verbose)
        return ExitCode.OK
    from entra_profiles.reports import problems as report

    try:
        valid = _check(ctx, targets, resolve_refs, timeout, sandbox_dir, file, quiet=True)
        problems = []
    except ConfigError as exc:
        valid, problems = [], exc.problems
    source = str(profiles_file(ctx, file))
    text = report.render_json(source, problems, valid) if fmt == "json" else report.render_github(problems)
    if text:
        (out if fmt == "json" else out_commands)(text)
    return ExitCode.PROBLEMS if problems else ExitCode.OK


def _check(
    ctx: click.Context,
    targets: tuple[str, ...],
    resolve_refs: bool,
    timeout: float,
    sandbox_dir: Path | None,
    file: Path | None,
    quiet: bool = False,
    verbose: bool = False,
) -> list[str]:
    """The names of the valid selected profiles; ConfigError with every problem otherwise."""
    ps, names = load_selected(ctx, file, targets, strict=False)
    problems = ps.problems_for(names)
    if problems:
        raise ConfigError(problems)
    deferred = sum(len(ps.deferred.get(n, [])) for n in names)
    if deferred:
        from entra_profiles.references.keyvault_plan import check_offline

        refused = [f.problem(n) for n, f in check_offline(ps, names)]
        if refused:
            raise ConfigError(refused)
    if resolve_refs and deferred:
        from entra_profiles.deadlines import Deadline
        from entra_profiles.references.deferred import resolve_deferred

        every: list[tuple[str, Failure]] = []
        resolve_deferred(ps, names, sandbox_info(sandbox_dir), Deadline.start(timeout), every_failure=every)
        failures = [f.problem(n) for n, f in every]
        if failures:
            raise ConfigError(sorted(failures, key=lambda p: (p.where.line or 0, p.where.col or 0)))
    if quiet:
        return names
    width = max((len(n) for n in names), default=0) if verbose else 0
    for name in names if verbose else ():
        p = ps.profiles[name]
        out(f"  ok  {name.ljust(width)}  {p.credential.type}, {p.cloud}")
    n = len(names)
    note = ""
    if deferred:
        note = f" ({deferred} Key Vault reference{'s' if deferred != 1 else ''} " + (
            "resolved)" if resolve_refs else "checked offline; --resolve reads them)"
        )
    out(f"{ps.file}: {n} profile{'s' if n != 1 else ''} valid{note}")
    return names
