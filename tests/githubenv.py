"""A reader of GitHub's `$GITHUB_ENV` / `$GITHUB_OUTPUT` files, written to GitHub's documentation.

Each line is `{name}={value}`, or `{name}<<{delimiter}` followed by the value's lines and a line
equal to the delimiter. Whichever of `=` and `<<` comes first on the line decides the form (as the
runner does). A block without its closing delimiter, or a line of neither form, is an error.
"""

from __future__ import annotations


def parse_env_file(text: str) -> dict[str, str]:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    found: dict[str, str] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line == "":
            continue
        equals, heredoc = line.find("="), line.find("<<")
        if equals >= 0 and (heredoc < 0 or equals < heredoc):
            name, value = line.split("=", 1)
        elif heredoc >= 0:
            name, delimiter = line.split("<<", 1)
            if not name or not delimiter:
                raise ValueError(f"invalid heredoc line {line!r}")
            body: list[str] = []
            while True:
                if i >= len(lines):
                    raise ValueError(f"matching delimiter not found: {delimiter!r}")
                current = lines[i]
                i += 1
                if current == delimiter:
                    break
                body.append(current)
            value = "\n".join(body)
        else:
            raise ValueError(f"invalid line {line!r}")
        if not name:
            raise ValueError("empty name")
        found[name] = value
    return found


def unescape_command_data(text: str) -> str:
    """Workflow command data as the runner reads it."""
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")
