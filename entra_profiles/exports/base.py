"""What every export format takes and gives: variables in, text (or a file to append to) out."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from entra_profiles.errors import EntraProfilesError, UsageError

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Variable:
    """One environment variable to hand over; `secret` values are masked in CI logs."""

    name: str
    value: str
    secret: bool = False

    def __post_init__(self) -> None:
        if not NAME.match(self.name):
            raise UsageError(f"'{self.name}' is not a valid environment variable name")
        if "\0" in self.value:
            raise ExportError(f"{self.name}: the value holds a NUL character, which no environment can carry")
        if any("\ud800" <= c <= "\udfff" for c in self.value):  # bytes of the environment that are not UTF-8
            raise ExportError(f"{self.name}: the value holds bytes that are not UTF-8 text, which no format can carry")

    def __repr__(self) -> str:
        shown = "***" if self.secret else repr(self.value)
        return f"Variable({self.name}={shown})"


@dataclass(frozen=True)
class FormatOptions:
    """What a format may need beyond the variables."""

    profile: str
    unset: tuple[str, ...] = ()  # variables the exported sets own but this profile does not set
    github_file: str | None = None  # github: the value of $GITHUB_ENV (or $GITHUB_OUTPUT with `outputs`)
    outputs: bool = False  # github: $GITHUB_OUTPUT instead of $GITHUB_ENV
    allow_secrets: bool = False  # gitlab
    template: Path | None = None


@dataclass(frozen=True)
class Output:
    """What to print on stdout, and text to append to a file (GitHub's $GITHUB_ENV) afterwards.

    Both texts hold the exported secrets, so neither is part of the repr.
    """

    stdout: str = field(default="", repr=False)
    append_to: Path | None = None
    append: str = field(default="", repr=False)


class ExportError(EntraProfilesError):
    """A profile or a value that the chosen format cannot carry (exit 1)."""


Render = Callable[[list[Variable], FormatOptions], Output]


def secret_lines(variables: list[Variable]) -> list[str]:
    """Every non-empty line of every secret value, in order, each once."""
    seen: dict[str, None] = {}
    for v in variables:
        if v.secret:
            for line in re.split(r"\r\n|\r|\n", v.value):
                if line.strip():
                    seen.setdefault(line, None)
    return list(seen)
