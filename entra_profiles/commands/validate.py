"""`validate`: check a profiles file and report every problem with FILE:LINE:COL and a hint."""

from __future__ import annotations

from pathlib import Path

import click

from entra_profiles.commands.common import file_option, load_selected, targets_argument
from entra_profiles.errors import ConfigError
from entra_profiles.output import out


@click.command(
    epilog="""\b
Examples:
  entra-profiles validate
  entra-profiles -f prod.yaml validate 'contoso-*' tag:ci"""
)
@targets_argument
@file_option
@click.pass_context
def validate(ctx: click.Context, targets: tuple[str, ...], file: Path | None) -> None:
    """Check the profiles file (or the selected profiles) and report every problem.

    Checks the schema, inheritance, groups and references: environment variables and
    files are resolved, Key Vault references are shape-checked without network access.
    """
    ps, names = load_selected(ctx, file, targets, strict=False)
    problems = ps.problems_for(names)
    if problems:
        raise ConfigError(problems)
    width = max((len(n) for n in names), default=0)
    for name in names:
        p = ps.profiles[name]
        out(f"  ok  {name.ljust(width)}  {p.credential.type}, {p.cloud}")
    n = len(names)
    out(f"{ps.file}: {n} profile{'s' if n != 1 else ''} valid")
