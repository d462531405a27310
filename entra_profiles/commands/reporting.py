"""`--report FORMAT=PATH` (repeatable) and `--format`: where the reports of a batch go, shared by `run` and
`report merge`.

Files are written atomically, mode 0600 (exports/atomic.py): a report holds no secret, but it maps a
tenant's apps, their permissions and when their credentials end, which is for the people running the
batch. `PATH` `-` is standard output (instead of `--format`'s report). With `GITHUB_STEP_SUMMARY` set,
the Markdown summary is appended to that file (opened as exports open `$GITHUB_ENV`: never through a
symbolic link, a regular file only) unless a `--report markdown=…` says where it goes instead, or
`--no-step-summary`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from entra_profiles.errors import UsageError
from entra_profiles.output import out

F = TypeVar("F", bound=Callable[..., Any])
REPORT_FORMATS = ("text", "json", "yaml", "junit", "markdown", "html")
FORMAT_HINT = f"--report FORMAT=PATH, FORMAT one of {', '.join(REPORT_FORMATS)}; PATH - for standard output"

if TYPE_CHECKING:  # reports import jinja2 and more: loaded when a report is written
    from entra_profiles.reports.model import Batch


@dataclass(frozen=True)
class Target:
    fmt: str
    path: str  # "-": standard output


def fail_on_option(func: F) -> F:
    """`--fail-on failed|warn`: what makes the batch exit 1."""
    return click.option(
        "--fail-on",
        type=click.Choice(["failed", "warn"]),
        default="failed",
        show_default=True,
        help="Exit 1 when a profile failed, or also when one only warned.",
    )(func)


def report_options(func: F) -> F:
    """`--report FORMAT=PATH` (repeatable) and `--no-step-summary`."""
    func = click.option(
        "--no-step-summary",
        is_flag=True,
        help="Do not append the Markdown summary to $GITHUB_STEP_SUMMARY.",
    )(func)
    return click.option(
        "--report",
        "reports",
        multiple=True,
        metavar="FORMAT=PATH",
        help=f"Also write a report ({', '.join(REPORT_FORMATS)}) to PATH (- for standard output); repeatable.",
    )(func)


def parse_targets(specs: tuple[str, ...], format_given: bool) -> list[Target]:
    """The `--report` targets, checked before anything runs."""
    targets = []
    for spec in specs:
        fmt, sep, path = spec.partition("=")
        if not sep or fmt not in REPORT_FORMATS or not path:
            raise UsageError(f"--report {spec!r} is not FORMAT=PATH", hint=FORMAT_HINT)
        targets.append(Target(fmt, path))
    to_stdout = [t for t in targets if t.path == "-"]
    if len(to_stdout) > 1 or (to_stdout and format_given):
        raise UsageError(
            "two reports would go to standard output",
            hint="send one to standard output (--format, or one --report FORMAT=-), the others to files",
        )
    return targets


def deliver(
    batch: Batch,
    fmt: str,
    targets: list[Target],
    step_summary: bool,
    environ: Mapping[str, str] | None = None,
) -> None:
    """Print the report for standard output, write each file, append the step summary."""
    from entra_profiles.reports import FORMATS

    environ = os.environ if environ is None else environ
    to_stdout = next((t for t in targets if t.path == "-"), None)
    shown = to_stdout.fmt if to_stdout else fmt
    # json and yaml redact each value before it is serialized (reports/model.py): not read a second time
    out(FORMATS[shown](batch) if to_stdout else _stdout_report(batch, fmt), redacted=shown in ("json", "yaml"))
    summary_file = environ.get("GITHUB_STEP_SUMMARY", "")
    for target in targets:
        if target.path == "-":
            continue
        text = FORMATS[target.fmt](batch)
        if target.fmt == "markdown" and summary_file and _same(target.path, summary_file):
            _append(summary_file, text)
        else:
            _write(Path(target.path), text)
    if step_summary and summary_file and not any(t.fmt == "markdown" for t in targets):
        _append(summary_file, FORMATS["markdown"](batch))


def _stdout_report(batch: Batch, fmt: str) -> str:
    from entra_profiles.reports import FORMATS
    from entra_profiles.reports.text import render_text
    from entra_profiles.terminal import painter, width

    if fmt != "text":
        return FORMATS[fmt](batch)
    return render_text(batch.results, width=width(sys.stdout), paint=painter(sys.stdout))


def _same(path: str, other: str) -> bool:
    return os.path.abspath(path) == os.path.abspath(other)


def _write(path: Path, text: str) -> None:
    from entra_profiles.exports.atomic import write_private

    write_private(path, text if text.endswith("\n") else text + "\n")


def _append(path: str, text: str) -> None:
    from entra_profiles.exports.atomic import append_private

    append_private(Path(path), text + "\n\n")
