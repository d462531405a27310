"""`--format fish`: `set -gx NAME 'value'` lines for the fish shell.

Use it as `entra-profiles export prod --format fish | source`. Inside fish's single quotes only
`\\` and `'` are special, written `\\\\` and `\\'`; newlines are kept literally, and `$`, `(`,
`*`, `{`, `~` and Unicode text mean nothing there, so every value round-trips.

Variables the exported sets own but this profile does not set are erased first (`set -e`), so that
a value left over from another profile cannot win.
"""

from __future__ import annotations

from entra_profiles.exports.base import FormatOptions, Output, Variable


def quote(value: str) -> str:
    """The value as one fish single-quoted string."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def render(variables: list[Variable], options: FormatOptions) -> Output:
    """Erase stale owned names, then one global exported `set` per variable."""
    lines = [f"set -e {name}\n" for name in options.unset]
    lines.extend(f"set -gx {v.name} {quote(v.value)}\n" for v in variables)
    return Output(stdout="".join(lines))


def parse_word(text: str) -> str:
    """The value of one fish single-quoted string (what fish makes of `quote()`'s output)."""
    if len(text) < 2 or text[0] != "'" or text[-1] != "'":
        raise ValueError("not a single-quoted fish string")
    out, i, body = [], 0, text[1:-1]
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body) and body[i + 1] in "\\'":
            out.append(body[i + 1])
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


__all__ = ["parse_word", "quote", "render"]
