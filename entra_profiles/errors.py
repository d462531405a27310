"""One error family for the whole tool: every error carries an exit code, a place and a hint."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum

from entra_profiles.redact import REDACTOR
from entra_profiles.safetext import one_line

# Marks that hide in a value a problem quotes (zero-width characters, BOM, spaces other than the
# space), shown escaped like the controls one_line escapes: `'contoso\u200b.com'`.
HIDDEN = re.compile("[\xa0\xad\u1680\u180e\u2000-\u200d\u202f\u205f-\u2065\u3000\ufeff]")
MAX_QUOTED = 300  # characters of outside text (a server's words) a message quotes at most
MAX_PROBLEMS = 10_000  # a file with more is not checked further: time, memory and output stay bounded


def shown(text: str) -> str:
    """`text` on one line with nothing hidden in it (isprintable: a fast look first)."""
    if text.isprintable():
        return text
    return one_line(
        HIDDEN.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)
    )


class ExitCode(IntEnum):
    OK = 0
    PROBLEMS = 1  # problems found in a file, or a profile failed
    USAGE = 2
    BUG = 3
    INTERRUPTED = 130


@dataclass(frozen=True, slots=True)
class Location:
    """Where something is: `profiles.yaml:14:7` and the field path `profiles.prod.credential`."""

    file: str | None = None
    line: int | None = None
    col: int | None = None
    path: str = ""

    def position(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)

    def __str__(self) -> str:
        return f"{self.position()}: {self.path}" if self.path else self.position()


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in a file; many are collected and reported together."""

    where: Location
    message: str
    hint: str | None = None
    owners: frozenset[str] = frozenset()  # profiles it concerns; empty: the whole file

    def format(self) -> str:
        """`FILE:LINE:COL: path: message` and its hint, each on one line whatever values they quote."""
        text = shown(f"{self.where}: {self.message}")
        return f"{text}\n  hint: {shown(self.hint)}" if self.hint else text


def first_line(text: object) -> str:
    """The first non-empty line of a message (library errors carry traces and ids below it), clipped:
    what a library says often quotes a server's answer."""
    lines = str(text).strip().splitlines()
    return clipped(lines[0]) if lines else ""


def clipped(text: str, limit: int = MAX_QUOTED) -> str:
    """Text from outside (a server's answer, a library's message quoting one) as a message may carry it:
    masked first (a cut must not leave half a secret or half a token unmasked), then at most `limit`
    characters and "…"."""
    text = REDACTOR.redact(text)
    return text if len(text) <= limit else text[:limit] + "…"


class EntraProfilesError(Exception):
    """Base of every error the tool reports to a person (never with a traceback)."""

    exit_code: ExitCode = ExitCode.PROBLEMS

    def __init__(self, message: str, *, hint: str | None = None, where: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.where = where

    def format(self) -> str:
        text = one_line(f"{self.where}: {self.message}" if self.where else self.message)
        return f"{text}\n  hint: {one_line(self.hint)}" if self.hint else text


class UsageError(EntraProfilesError):
    """The command line itself is wrong (exit 2)."""

    exit_code = ExitCode.USAGE


class ConfigError(EntraProfilesError):
    """A profiles file has problems; all of them are carried together."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        n = len(problems)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} found")

    def format(self) -> str:
        lines = [p.format() for p in self.problems]
        lines.append(self.message)
        return "\n".join(lines)
