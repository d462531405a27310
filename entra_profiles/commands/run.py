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
from entra_profiles.commands.reporting import deliver, fail_on_option, parse_targets, report_options
from entra_profiles.config.loader import ProfileSet
from entra_profiles.errors import ExitCode, UsageError
from entra_profiles.output import err
from entra_profiles.progress import ProgressBar
from entra_profiles.results import ProfileResult, RunInterrupted
from entra_profiles.routing import SandboxInfo
from entra_profiles.terminal import is_terminal

if TYPE_CHECKING:
    from entra_profiles.reports.model import Shard
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
    help="Worker processes (default: one per 500 profiles, a certificate counting as 25; at most one per core).",
)
@timeout_options("per profile")
@click.option("--probe", is_flag=True, help="Also call Graph (GET /organization) with each token.")
@fail_on_option
@click.option(
    "--shard", "shard_text", metavar="K/N|auto", help="Run only shard K of N of the selection (see docs/batch.md)."
)
@click.option(
    "--shard-by",
    type=click.Choice(["name", "tenant"]),
    default="name",
    show_default=True,
    help="Partition by profile name, or by tenant (a tenant's profiles stay together).",
)
@click.option(
    "--shard-count",
    type=click.IntRange(1, 100000),
    envvar="ENTRA_PROFILES_SHARD_COUNT",
    help="N for --shard auto in a Kubernetes Indexed Job (its completions).",
)
@report_options
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
    fail_on: str,
    shard_text: str | None,
    shard_by: str,
    shard_count: int | None,
    reports: tuple[str, ...],
    no_step_summary: bool,
    sandbox_dir: Path | None,
    no_shared_pool: bool,
    file: Path | None,
) -> None:
    """Connect each selected profile and report its context (like Get-EntraContext).

    Profiles connect concurrently and independently; one failure, slow tenant or
    token cache never affects another. Exit 1 when any profile failed. Ctrl-C reports
    the profiles that finished, the others as interrupted, and exits 130.
    """
    from entra_profiles.run.options import ConnectOptions
    from entra_profiles.run.runner import RunOptions

    given = ctx.get_parameter_source("fmt") == click.core.ParameterSource.COMMANDLINE
    report_targets = parse_targets(reports, given)
    ps, names = load_selected(ctx, file, targets)
    shard = _shard(ps, names, shard_text, shard_by, shard_count)
    if shard is not None:
        names = shard.members
    sandbox = sandbox_info(sandbox_dir)
    options = RunOptions(
        concurrency=concurrency,
        connect=ConnectOptions(timeout=timeout, retries=retries, probe=probe),
        shared_pool=not no_shared_pool,
        workers=workers,
    )
    results, interrupted = _connect(ps, names, sandbox, options)
    _complete(ps, results)
    from entra_profiles.reports.model import Batch  # once connected: nothing waits for its imports

    deliver(Batch(results, shard, fail_on=fail_on), fmt, report_targets, not no_step_summary)
    if interrupted:
        err("interrupted")
        ctx.exit(int(ExitCode.INTERRUPTED))
    if isinstance(ctx.obj, dict):  # the report is written: cli.main may end the process at once
        ctx.obj["end_process"] = True
    ctx.exit(int(batch_exit_code(results, fail_on)))


def batch_exit_code(results: list[ProfileResult], fail_on: str = "failed") -> ExitCode:
    """130 when Ctrl-C cut the batch short; 1 when a profile failed (or warned, with `--fail-on warn`); else 0."""
    if any(r.interrupted for r in results):
        return ExitCode.INTERRUPTED
    bad = {"failed", "warn"} if fail_on == "warn" else {"failed"}
    return ExitCode.PROBLEMS if any(r.status in bad for r in results) else ExitCode.OK


def _shard(ps: ProfileSet, names: list[str], text: str | None, by: str, count: int | None) -> Shard | None:
    """The shard of the selection this process runs (`--shard`), or None for all of it."""
    import os

    from entra_profiles.reports.model import Shard
    from entra_profiles.run.shards import parse_shard, selection_id, shard_names

    if text is None:
        if count is not None and "ENTRA_PROFILES_SHARD_COUNT" not in os.environ:
            raise UsageError("--shard-count applies to --shard auto", hint="give --shard auto, or --shard K/N")
        return None
    spec = parse_shard(text, by, count, os.environ)
    members = shard_names(names, spec, lambda n: ps.profiles[n].tenant)
    identity = selection_id(names, ps.file.read_bytes())
    return Shard(spec.index, spec.count, spec.by, identity, list(names), members)


def _complete(ps: ProfileSet, results: list[ProfileResult]) -> None:
    """Every result names its profile's tenant and lists its expectations, skipped when they were never
    checked (a Key Vault reference failed, the runner gave up on the profile, Ctrl-C came first)."""
    from entra_profiles.run.expectations import skipped_all

    for result in results:
        profile = ps.profiles.get(result.name)
        if profile is None:
            continue
        if result.tenant is None:
            result.tenant = profile.tenant
        if not result.checks and (result.error is not None or result.interrupted):
            reason = "not checked: interrupted" if result.interrupted else "not checked: the profile did not connect"
            result.checks = skipped_all(profile.expect, reason)


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
