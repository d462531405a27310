"""Human output: everything printed passes through the redactor."""

from __future__ import annotations

import sys

from entra_profiles.redact import REDACTOR


def out(text: str = "") -> None:
    sys.stdout.write(REDACTOR.redact(text) + "\n")


def err(text: str = "") -> None:
    sys.stderr.write(REDACTOR.redact(text) + "\n")


def table(rows: list[list[str]], headers: list[str]) -> str:
    """A plain left-aligned table, two spaces between columns; cells redacted before they are measured."""
    rows = [[REDACTOR.redact(str(c)) for c in r] for r in rows]
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for r in rows:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return "\n".join(lines)
