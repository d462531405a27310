"""`run`: connect the selected profiles and report each connection's context."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from entra_profiles.commands.common import (
    file_option,
    load_selected,
    sandbox_info,
    sandbox_option,
    targets_argument,
    timeout_options,
)
from entra_profiles.config.loader import ProfileSet
from entra_profiles.errors import ExitCode
from entra_profiles.output import err, out
from entra_profiles.progress import ProgressBar
from entra_profiles.results import ProfileResult, RunInterrupted
from entra_profiles.routing import SandboxInfo
from entra_profiles.terminal import is_terminal, painter, width

if TYPE_CHECKING:
    from entra_profiles.run.runner import RunOptions


@click.command(
    epilog="""\b
Examples:
  entra-profiles run prod
  entra-profiles run 'contoso-*' tag:nightly --format json
  entra-profiles run all --sandbox .sandbox --probe"""
)
@targets_argument
@click.option("--format", "fmt", type=click.Choice(["text", "json", "yaml"]), default="text", show_default=True)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 512),
    default=64,
    show_default=True,
    help="Profiles at once (shared by the worker processes).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes (default: one per 500 profiles, at most one per core).",
)
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
    workers: int | None,
    timeout: float,
    retries: int,
    probe: bool,
    sandbox_dir: Path | None,
    no_shared_pool: bool,
    file: Path | None,
) -> None:
    """Connect each selected profile and report its context (like Get-EntraContext).

    Profiles connect concurrently and independently; one failure, slow tenant or
    token cache never affects another. Exit 1 when any profile failed. Ctrl-C reports
    the profiles that finished, the others as interrupted, and exits 130.
    """
    from entra_profiles.run.connect import ConnectOptions
    from entra_profiles.run.runner import RunOptions

    ps, names = load_selected(ctx, file, targets)
    sandbox = sandbox_info(sandbox_dir)
    options = RunOptions(
        concurrency=concurrency,
        connect=ConnectOptions(timeout=timeout, retries=retries, probe=probe),
        shared_pool=not no_shared_pool,
        workers=workers,
    )
    results, interrupted = _connect(ps, names, sandbox, options)
    out(_report(results, fmt), redacted=True)  # each value redacted as the report was made
    if interrupted:
        err("interrupted")
        ctx.exit(int(ExitCode.INTERRUPTED))
    if any(not r.ok for r in results):
        ctx.exit(int(ExitCode.PROBLEMS))


def _connect(
    ps: ProfileSet, names: list[str], sandbox: SandboxInfo | None, options: RunOptions
) -> tuple[list[ProfileResult], bool]:
    """Every profile's result, and whether Ctrl-C cut the run short (the unfinished ones are `interrupted`).
    A batch on a terminal shows a progress bar on stderr, cleared however the run ends."""
    from entra_profiles.run.runner import run_profiles

    bar = ProgressBar(len(names), sys.stderr) if len(names) > 1 and is_terminal(sys.stderr) else None

    def progress(result: ProfileResult, done: int, total: int) -> None:
        assert bar is not None
        bar.update(done, failed=not result.ok)

    try:
        if bar is not None:
            bar.update(0)
        return run_profiles(ps, names, sandbox, options, progress if bar else None), False
    except KeyboardInterrupt as stop:  # before any profile connected, too (reading Key Vault references)
        if bar is None and is_terminal(sys.stderr):
            sys.stderr.write("\n")  # past the ^C the terminal echoed
        if isinstance(stop, RunInterrupted):
            return stop.results, True
        return [ProfileResult(n, interrupted=True) for n in names], True
    finally:
        if bar is not None:
            bar.clear()  # the ^C echoed on its line goes with it


def _report(results: list[ProfileResult], fmt: str) -> str:
    """The report, every value in it redacted (each once)."""
    from entra_profiles.reports import FORMATS
    from entra_profiles.reports.text import render_text

    if fmt != "text":
        return FORMATS[fmt](results)
    return render_text(results, width=width(sys.stdout), paint=painter(sys.stdout))
