"""Human output: everything printed passes through the redactor, then `safetext.neutralize`: no secret,
and no line a CI agent would take for a command (see safetext.py for the agents' rules)."""

from __future__ import annotations

import errno
import os
import sys

from entra_profiles.errors import EntraProfilesError
from entra_profiles.redact import REDACTOR
from entra_profiles.safetext import neutralize, one_line


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


def out(text: str = "") -> None:
    write_stdout(neutralize(REDACTOR.redact(text)) + "\n")


def err(text: str = "") -> None:
    sys.stderr.write(neutralize(REDACTOR.redact(text)) + "\n")


def out_commands(text: str) -> None:
    """Workflow commands we mean to give (validate --format github), their data already escaped."""
    write_stdout(REDACTOR.redact(text) + "\n")


def table(rows: list[list[str]], headers: list[str]) -> str:
    """A plain left-aligned table, two spaces between columns; cells redacted (and each kept on one line)
    before they are measured."""
    rows = [[one_line(REDACTOR.redact(str(c))) for c in r] for r in rows]
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for r in rows:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return "\n".join(lines)
