"""Values chosen to break quoting: quotes of every kind, expansions, newlines, delimiters, Unicode."""

from __future__ import annotations

from entra_profiles.exports.base import Variable

HOSTILE = [
    "plain",
    "",
    " leading and trailing ",
    "it's",
    "'\"'\"'",
    'say "hi"',
    "$HOME ${HOME} $(id) `id`",
    "back\\slash\\",
    "line1\nline2\n",
    "\nOTHER=injected\n",
    "EOF\nINJECTED<<EOF\nx\nEOF",
    "ghadelimiter_0123456789abcdef0123456789abcdef",
    "a=b=c",
    "%0A%25%AZP25;]",
    "cr\rlf\r\n",
    "tab\tbell\a",
    "unicode: é ü 漢字 🚀 \u2018curly\u2019 \u201a\u201b",
    "!history !! !$",
    "*?[glob]~{brace,x}",
    "# not a comment",
    "-n",
]


def hostile_variables(secret: bool = True) -> list[Variable]:
    return [Variable(f"V{i}", value, secret=secret) for i, value in enumerate(HOSTILE)]
