"""`--format github`: GitHub Actions — mask every secret, then append to `$GITHUB_ENV`.

What GitHub documents, and what goes wrong when it is done by hand:
- `::add-mask::VALUE` (printed on stdout, the step's log) makes the runner replace VALUE by `***`
  in every later line of the log. It masks line by line, so each line of a multi-line secret is
  masked separately, before anything else is printed. Workflow command data escapes `%`, CR and LF
  (`%25`, `%0D`, `%0A`), so a secret holding those is masked as itself.
- `$GITHUB_ENV` (or `$GITHUB_OUTPUT` with `--outputs`) takes `NAME=value` lines or
  `NAME<<DELIMITER` … `DELIMITER` blocks. Every value is written as a block here, with a delimiter of
  128 random bits: a value holding a newline followed by `OTHER=…`, or a line equal to a guessable
  delimiter such as `EOF`, would otherwise define variables of its own.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from entra_profiles.errors import UsageError
from entra_profiles.exports.base import FormatOptions, Output, Variable, secret_lines


def escape_data(text: str) -> str:
    """Workflow command data, escaped as the runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def masks(variables: list[Variable]) -> str:
    """One `::add-mask::` command per line of every secret."""
    return "".join(f"::add-mask::{escape_data(line)}\n" for line in secret_lines(variables))


def delimiter_for(value: str) -> str:
    """A delimiter that cannot be guessed, and that no line of the value equals."""
    lines = set(re.split(r"\r\n|\r|\n", value))
    while True:
        candidate = f"ghadelimiter_{secrets.token_hex(16)}"
        if candidate not in lines:
            return candidate


def block(variable: Variable) -> str:
    delimiter = delimiter_for(variable.value)
    return f"{variable.name}<<{delimiter}\n{variable.value}\n{delimiter}\n"


def render(variables: list[Variable], options: FormatOptions) -> Output:
    """Masks on stdout first; the variables appended to $GITHUB_ENV (or $GITHUB_OUTPUT) after."""
    target = "GITHUB_OUTPUT" if options.outputs else "GITHUB_ENV"
    path = options.github_file
    if not path:
        raise UsageError(
            f"${target} is not set: --format github runs inside a GitHub Actions step",
            hint="elsewhere, use --format sh or dotenv",
        )
    return Output(
        stdout=masks(variables),
        append_to=Path(path),
        append="".join(block(v) for v in variables),
    )


__all__ = ["block", "escape_data", "masks", "render"]
