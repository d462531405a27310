"""`report merge`: one batch's shard reports, merged and rendered to any report format."""

from __future__ import annotations

from pathlib import Path

import click

from entra_profiles.commands.reporting import REPORT_FORMATS, deliver, fail_on_option, parse_targets, report_options
from entra_profiles.errors import ExitCode
from entra_profiles.output import err


@click.group(name="report")
def report() -> None:
    """Work with the reports of a batch."""


@report.command(
    name="merge",
    epilog="""\b
Examples:
  entra-profiles report merge shard-*.json --report junit=junit.xml --report html=report.html
  entra-profiles report merge results/ --format json > batch.json""",
)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="SHARD.json|FOLDER...")
@click.option("--format", "fmt", type=click.Choice(list(REPORT_FORMATS)), default="text", show_default=True)
@fail_on_option
@report_options
@click.pass_context
def merge(
    ctx: click.Context,
    paths: tuple[Path, ...],
    fmt: str,
    fail_on: str,
    reports: tuple[str, ...],
    no_step_summary: bool,
) -> None:
    """Merge the JSON reports of a batch's shards (`run --shard … --report json=FILE`).

    Every selected profile appears exactly once, in the selection's order. Reports of another
    selection, a shard given twice or a profile in two shards stop the merge (exit 1); a missing
    shard is named, its profiles reported failed (missing_shard), and the merge exits 1. Otherwise
    the exit code is the batch's: 1 when a profile failed (or warned, with --fail-on warn).
    """
    from entra_profiles.commands.run import batch_exit_code
    from entra_profiles.reports.merge import merge as merge_shards
    from entra_profiles.reports.model import Batch

    given = ctx.get_parameter_source("fmt") == click.core.ParameterSource.COMMANDLINE
    targets = parse_targets(reports, given)
    merged = merge_shards(list(paths))
    batch = Batch(merged.results, title="entra-profiles batch", fail_on=fail_on)
    deliver(batch, fmt, targets, not no_step_summary)
    if merged.missing:
        total = merged.missing[0].split("/")[1]
        err(
            f"error: shard{'s' if len(merged.missing) > 1 else ''} {', '.join(merged.missing)} of {total} "
            f"{'are' if len(merged.missing) > 1 else 'is'} missing: no report for "
            f"{'them' if len(merged.missing) > 1 else 'it'}; their profiles are reported failed (missing_shard)"
        )
        err("  hint: run the missing shard again and merge its report with the others")
        ctx.exit(int(ExitCode.PROBLEMS))
    ctx.exit(int(batch_exit_code(batch.results, fail_on)))
