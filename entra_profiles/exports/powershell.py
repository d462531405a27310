"""`--format powershell`: `$env:NAME = 'value'` lines for Windows PowerShell and PowerShell 7.

Use it as `entra-profiles export prod --format powershell | Out-String | Invoke-Expression`, or
write it to a `.ps1` file (`-o`) and dot-source it. Values are verbatim (single-quoted) strings:
nothing expands inside them, and a quote is doubled. PowerShell also treats the typographic single
quotes (U+2018, U+2019, U+201A, U+201B) as quote characters, so those are doubled too; forgetting
them is a classic injection. Newlines are kept literally inside the quotes.

Variables the exported sets own but this profile does not set are removed first, so that a value
left over from another profile cannot win.
"""

from __future__ import annotations

from entra_profiles.exports.base import FormatOptions, Output, Variable

QUOTES = ("'", "\u2018", "\u2019", "\u201a", "\u201b")


def quote(value: str) -> str:
    """The value as one PowerShell verbatim string."""
    for q in QUOTES:
        value = value.replace(q, q + q)
    return f"'{value}'"


def render(variables: list[Variable], options: FormatOptions) -> Output:
    """Remove stale owned names, then one `$env:` assignment per variable."""
    lines = [f"Remove-Item Env:{name} -ErrorAction SilentlyContinue\n" for name in options.unset]
    lines.extend(f"$env:{v.name} = {quote(v.value)}\n" for v in variables)
    return Output(stdout="".join(lines))


def parse_word(text: str) -> str:
    """The value of one verbatim string as PowerShell reads it (the inverse of `quote`)."""
    if len(text) < 2 or text[0] not in QUOTES or text[-1] not in QUOTES:
        raise ValueError("not a single-quoted PowerShell string")
    body, out, i = text[1:-1], [], 0
    while i < len(body):
        if body[i] in QUOTES:
            if i + 1 >= len(body) or body[i + 1] not in QUOTES:
                raise ValueError("a lone quote ends the string early")
            i += 1
        out.append(body[i])
        i += 1
    return "".join(out)


__all__ = ["parse_word", "quote", "render"]
