"""`--format sh`: `export NAME='value'` lines for POSIX shells (sh, bash, zsh, dash, ksh).

Use it as `eval "$(entra-profiles export prod)"` or `. ./prod.env`. Each value is single-quoted
unless it is made only of characters no shell treats specially (letters, digits, `@%+=:,./-_`),
exactly as Python's `shlex.quote` does: inside single quotes nothing is special but the quote
itself, written as `'"'"'`. Newlines, `$`, backticks, backslashes, `!` (history expansion applies
only to interactive input, not to sourced files or `eval`) and any Unicode text round-trip.

Variables the exported sets own but this profile does not set are `unset` first, so that a value
left over from another profile (say `AZURE_CLIENT_SECRET` before a certificate profile) cannot win.
"""

from __future__ import annotations

import shlex

from entra_profiles.exports.base import FormatOptions, Output, Variable


def quote(value: str) -> str:
    """The value as one shell word that expands to exactly itself."""
    return shlex.quote(value)


def unset_line(names: tuple[str, ...]) -> str:
    return f"unset {' '.join(names)}\n" if names else ""


def render(variables: list[Variable], options: FormatOptions) -> Output:
    """`unset` of stale owned names, then one `export` per variable."""
    lines = [unset_line(options.unset)]
    lines.extend(f"export {v.name}={quote(v.value)}\n" for v in variables)
    return Output(stdout="".join(lines))


def assignments(variables: list[Variable]) -> str:
    """`NAME=value` lines without `export` (the dotenv format shares this quoting)."""
    return "".join(f"{v.name}={quote(v.value)}\n" for v in variables)


__all__ = ["assignments", "quote", "render", "unset_line"]
