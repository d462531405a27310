"""`--format dotenv`: `NAME=value` lines in the one dialect the dotenv readers agree on, or a refusal.

dotenv has no standard; its readers disagree on quotes, escapes and expansion. python-dotenv decodes
`\\\\` and `\\'` inside single quotes and expands `${VAR}` in every value; docker compose (compose-go)
takes single-quoted text raw; docker `--env-file` reads each line verbatim, quotes included; a shell
(`set -a; . ./prod.env`) follows its own rules. So each value is written in the first form that all of
them read back byte for byte, and a value that fits none is refused, naming the variable, never its
value:

1. bare, when made only of letters, digits and `@%+=:,./-_` (GUIDs, paths, URLs, `true`): every
   reader, docker `--env-file` included, reads it as is;
2. in single quotes, when it holds no `'`, no line break (LF or CR), no `${`, no `\\\\` and does not
   end with `\\`;
3. in double quotes, when it holds a `'` but none of `"`, `$`, `` ` ``, `\\` or a line break.

Line breaks are refused in every form: docker `--env-file` would read the next line as a variable of
its own. No `export`, no comments, no blank lines. For what a dotenv file cannot carry, use
`--format sh`, `json`, or `exec`.
"""

from __future__ import annotations

from entra_profiles.exports import sh
from entra_profiles.exports.base import ExportError, FormatOptions, Output, Variable

NOT_SINGLE = ("'", "${", "\\\\")
NOT_DOUBLE = ('"', "$", "`", "\\")
LINE_BREAKS = ("\n", "\r")


def quote(variable: Variable) -> str:
    """The value as every dotenv reader reads it back; ExportError when no form carries it."""
    value = variable.value
    if is_bare(value):
        return value
    why = _cannot_carry(value)
    if why is not None:
        raise ExportError(
            f"{variable.name}: a dotenv file cannot carry this value exactly (it holds {why}); nothing written",
            hint="use --format sh or json, or `entra-profiles exec`, which carry any value",
        )
    if not any(s in value for s in NOT_SINGLE) and not value.endswith("\\"):
        return f"'{value}'"
    return f'"{value}"'


def _cannot_carry(value: str) -> str | None:
    """What keeps `value` out of both quoted forms, or None."""
    if any(c in value for c in LINE_BREAKS):
        return "a line break"
    single = not any(s in value for s in NOT_SINGLE) and not value.endswith("\\")
    if single or not any(s in value for s in NOT_DOUBLE):
        return None
    if "${" in value:
        return "${, which python-dotenv expands"
    if "\\\\" in value:
        return "two backslashes in a row, which python-dotenv reads as one"
    if value.endswith("\\"):
        return "a backslash at its end"
    return "a ' together with one of \" $ ` \\"


def render(variables: list[Variable], options: FormatOptions) -> Output:
    """One `NAME=value` line per variable, in order; nothing when any value cannot be carried."""
    return Output(stdout="".join(f"{v.name}={quote(v)}\n" for v in variables))


def is_bare(value: str) -> bool:
    """Whether the value is written without quotes."""
    return sh.quote(value) == value and value != ""


__all__ = ["is_bare", "quote", "render"]
