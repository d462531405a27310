"""What the terminal allows: colour (--no-color, NO_COLOR, FORCE_COLOR) and the width tables fit in (COLUMNS).

Colour is decided per stream: a report on stdout is coloured only when stdout is a terminal, a message
on stderr only when stderr is one. In order: `--no-color` or a non-empty `NO_COLOR` turn it off; a
non-empty `FORCE_COLOR` turns it on, terminal or not; `TERM=dumb` turns it off; otherwise a terminal
gets colour and anything else (a pipe, a file, CI's log) gets none.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from typing import TextIO

import click

COLOURS = {
    "ok": "green",
    "failed": "red",
    "error": "red",
    "warning": "yellow",
    "warn": "yellow",
    "interrupted": "magenta",
    "hint": "cyan",
}
BOLD = {"failed", "error"}

Paint = Callable[[str, str], str]  # (text, kind) -> the text as the stream should show it

_colour_refused = False


def refuse_colour(refused: bool = True) -> None:
    """`--no-color`: no colour on any stream (main() sets it for each command line it runs)."""
    global _colour_refused
    _colour_refused = refused


def is_terminal(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (ValueError, OSError):  # closed
        return False


def colour_on(stream: TextIO | None) -> bool:
    """Whether text written to `stream` may carry colour codes."""
    if _colour_refused or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return os.environ.get("TERM") != "dumb" and is_terminal(stream)


def plain(text: str, kind: str) -> str:
    return text


def coloured(text: str, kind: str) -> str:
    """`text` in the colour of `kind` (ok, failed, error, warning, interrupted, hint)."""
    return click.style(text, fg=COLOURS[kind], bold=True if kind in BOLD else None)


def painter(stream: TextIO | None) -> Paint:
    """How to show a status word on `stream`: coloured, or as it is."""
    return coloured if colour_on(stream) else plain


def width(stream: TextIO | None = None) -> int | None:
    """The columns a table on `stream` (default: stdout) must fit in; None when it is not a terminal
    (a pipe or a file gets full lines). `COLUMNS` wins over the terminal's own size."""
    stream = sys.stdout if stream is None else stream
    if not is_terminal(stream):
        return None
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(stream.fileno()).columns or None
    except (OSError, ValueError):
        return shutil.get_terminal_size().columns
