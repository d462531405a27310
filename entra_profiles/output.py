"""Human output: everything printed passes through the redactor, then `safetext.neutralize`: no secret,
and no line a CI agent would take for a command (see safetext.py for the agents' rules)."""

from __future__ import annotations

import errno
import os
import re
import sys
from collections.abc import Callable, Collection, Mapping, Sequence

from entra_profiles.errors import EntraProfilesError
from entra_profiles.redact import REDACTOR
from entra_profiles.safetext import neutralize, one_line
from entra_profiles.terminal import painter, plain

LABEL_RE = re.compile(r"^(\s*)(error|warning|hint)(:)", re.MULTILINE)  # the words that lead our messages
ELLIPSIS = "…"
MIN_SHRUNK = 8  # a column shortened to fit is never narrower than this (or its header)


class OutputError(EntraProfilesError):
    """Standard output cannot be written: closed, or its disk is full (exit 1)."""


def write_stdout(text: str, flush: bool = False) -> None:
    """Write (and flush) standard output; a reader that went away (BrokenPipeError) is main()'s."""
    try:
        if sys.stdout is None:
            raise OSError(errno.EBADF, "it is closed")
        sys.stdout.write(text)
        if flush:
            sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - nothing more may fail at exit
        raise OutputError(f"cannot write to standard output: {exc.strerror}") from None


def out(text: str = "", *, redacted: bool = False) -> None:
    """`text` on stdout, redacted (unless every piece of it was: a report redacts each value before it
    is laid out or serialized, and is not read a second time) and neutralized."""
    write_stdout(neutralize(text if redacted else REDACTOR.redact(text)) + "\n")


def err(text: str = "") -> None:
    """A message on stderr; its leading `error:`, `warning:` and `hint:` coloured when stderr is a terminal."""
    text = neutralize(REDACTOR.redact(text))
    paint = painter(sys.stderr)
    if paint is not plain:
        text = LABEL_RE.sub(lambda m: m[1] + paint(m[2] + m[3], m[2]), text)
    sys.stderr.write(text + "\n")


def out_commands(text: str) -> None:
    """Workflow commands we mean to give (validate --format github), their data already escaped."""
    write_stdout(REDACTOR.redact(text) + "\n")


def table(
    rows: list[list[str]],
    headers: list[str],
    *,
    width: int | None = None,
    shrink: Sequence[Collection[int]] = (),
    paint: Mapping[int, Callable[[str], str]] | None = None,
) -> str:
    """A left-aligned table, two spaces between columns; cells redacted before they are measured.

    With `width`, the columns listed in `shrink` are shortened (`…` in the middle) until the table fits:
    the first group of columns first, each time the widest of the group, then the next group. `paint`
    styles the cells of a column after they are measured, so that colour codes never count in a width.
    """
    rows = [[one_line(REDACTOR.redact(str(c))) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    if width is not None:
        widths = _fit(widths, [len(h) for h in headers], width, shrink)
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for r in rows:
        cells = []
        for i, (cell, w) in enumerate(zip(r, widths, strict=True)):
            text = shorten(cell, w)
            styled = paint[i](text) if paint and i in paint else text
            cells.append(styled + " " * (w - len(text)))
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _fit(widths: list[int], floors: list[int], width: int, shrink: Sequence[Collection[int]]) -> list[int]:
    """Column widths whose table fits in `width`, taking a column at a time from the widest of a group."""
    widths = list(widths)
    excess = sum(widths) + 2 * (len(widths) - 1) - width
    for group in shrink:
        least = {i: min(widths[i], max(floors[i], MIN_SHRUNK)) for i in group}
        while excess > 0:
            room = [i for i in group if widths[i] > least[i]]
            if not room:
                break
            widest = max(room, key=lambda i: widths[i])
            widths[widest] -= 1
            excess -= 1
    return widths  # as narrow as it may be: the terminal wraps what is still too long


def shorten(text: str, width: int) -> str:
    """`text` in at most `width` characters: its start and end kept, `…` for what is left out."""
    if len(text) <= width:
        return text
    keep = max(width - len(ELLIPSIS), 0)
    head = (keep + 1) // 2
    return text[:head] + ELLIPSIS + (text[len(text) - (keep - head) :] if keep - head else "")
