"""`--format dotenv`: `NAME=value` lines, quoted as a POSIX shell reads them.

dotenv has no single standard. This writes the subset on which the common readers agree as far as
they can, and that round-trips every value through the most common reader of all, a shell:

    set -a; . ./prod.env; set +a        # POSIX shells
    docker compose --env-file ./prod.env …

- A value made only of safe characters (letters, digits, `@%+=:,./-_`) is written bare: GUIDs,
  paths, URLs, `true`. Tools that take values verbatim (`docker run --env-file`) read these right.
- Any other value is single-quoted, a `'` inside written as `'"'"'`; newlines are kept literally
  inside the quotes. Shells and docker compose read it back exactly; python-dotenv does too for
  values without a single quote.
- No `export`, no comments and no blank lines.

For files that only a shell reads, `--format sh` adds `export` and unsets stale variables; for CI
systems use their own formats (github, azure-pipelines, gitlab), which know their masking rules.
"""

from __future__ import annotations

from entra_profiles.exports import sh
from entra_profiles.exports.base import FormatOptions, Output, Variable


def render(variables: list[Variable], options: FormatOptions) -> Output:
    """One `NAME=value` line per variable, in order."""
    return Output(stdout=sh.assignments(variables))


def is_bare(value: str) -> bool:
    """Whether the value is written without quotes."""
    return sh.quote(value) == value and value != ""


__all__ = ["is_bare", "render"]
