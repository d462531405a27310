"""`run`: connect the selected profiles and report each connection's context."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from entra_profiles.commands.common import (
    file_option,
    load_selected,
    sandbox_info,
    sandbox_option,
    targets_argument,
    timeout_options,
)
from entra_profiles.errors import ExitCode
from entra_profiles.output import out
from entra_profiles.results import ProfileResult


@click.command(
    epilog="""\b
Examples:
  entra-profiles run prod
  entra-profiles run 'contoso-*' tag:nightly --format json
  entra-profiles run all --sandbox .sandbox --probe"""
)
@targets_argument
@click.option("--format", "fmt", type=click.Choice(["text", "json", "yaml"]), default="text", show_default=True)
@click.option("--concurrency", type=click.IntRange(1, 256), default=16, show_default=True, help="Profiles at once.")
@timeout_options("per profile")
@click.option("--probe", is_flag=True, help="Also call Graph (GET /organization) with each token.")
@sandbox_option
@click.option("--no-shared-pool", is_flag=True, hidden=True, help="One connection pool per profile (benchmarks).")
@file_option
@click.pass_context
def run(
    ctx: click.Context,
    targets: tuple[str, ...],
    fmt: str,
    concurrency: int,
    timeout: float,
    retries: int,
    probe: bool,
    sandbox_dir: Path | None,
    no_shared_pool: bool,
    file: Path | None,
) -> None:
    """Connect each selected profile and report its context (like Get-EntraContext).

    Profiles connect concurrently and independently; one failure, slow tenant or
    token cache never affects another. Exit 1 when any profile failed.
    """
    from entra_profiles.reports import FORMATS
    from entra_profiles.run.connect import ConnectOptions
    from entra_profiles.run.runner import RunOptions, run_profiles

    ps, names = load_selected(ctx, file, targets)
    sandbox = sandbox_info(sandbox_dir)
    options = RunOptions(
        concurrency=concurrency,
        connect=ConnectOptions(timeout=timeout, retries=retries, probe=probe),
        shared_pool=not no_shared_pool,
    )
    results = run_profiles(ps, names, sandbox, options, _progress() if sys.stderr.isatty() else None)
    if sys.stderr.isatty() and len(names) > 1:
        sys.stderr.write("\r\033[K")
    out(FORMATS[fmt](results))
    if any(not r.ok for r in results):
        ctx.exit(int(ExitCode.PROBLEMS))


def _progress() -> Callable[[ProfileResult, int, int], None]:
    def show(result: ProfileResult, done: int, total: int) -> None:
        if total > 1:
            mark = "ok" if result.ok else "FAILED"
            sys.stderr.write(f"\r\033[K[{done}/{total}] {result.name}: {mark}")
            sys.stderr.flush()

    return show
