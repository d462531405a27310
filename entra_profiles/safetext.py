"""Text that no CI agent reads as a command, whatever values it shows.

What the agents read (their parsers, as published):
- GitHub Actions: a line whose text, after leading white space is trimmed, starts with `::` is a
  workflow command (`::error::`, `::add-mask::`, `::stop-commands::`); the legacy `##[command]` form is
  recognised anywhere in a line. Lines end at LF, CR or CRLF.
- Azure Pipelines: `##vso[area.action …]` is a logging command **anywhere in a line** (the agent
  searches the line for it), and `##[group]`, `##[error]` … format the log.
- GitLab: collapsible sections are `ESC[0Ksection_start:TIME:NAME` … `CR ESC[0K`, escape sequences.

So every value shown to a person or a program goes out on one line (`one_line`: control characters,
line and paragraph separators and bidi controls written as `\\n`, `\\x1b`, `\\u2028` …), and at the
last step before a stream (`neutralize`, in output.out/err) no line may start with `::` after white
space, and no `##` may stand anywhere: the first `:` or `#` is written `\\x3a` / `\\x23`. JSON keeps
its meaning (`json_text`: a `#` before another `#` is written `\\u0023`, which any JSON reader
decodes back); YAML writes such strings double-quoted with `\\x23` (see reports/structured.py).
"""

from __future__ import annotations

import json
import re
from typing import Any

# C0 and C1 controls, DEL, LINE/PARAGRAPH SEPARATOR, and the bidi controls that reorder what is read.
OTHERS = "\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
UNPRINTABLE = f"\x00-\x1f{OTHERS}"  # as a regular expression's character class
_UNPRINTABLE_RE = re.compile(f"[{UNPRINTABLE}]")
# …and in `neutralize`, LF and our own colour (SGR: ESC [ digits m) pass: a colour changes no line and
# starts no command, where GitLab's section markers (ESC [0K) and every other escape are written out.
_BUT_NEWLINE_RE = re.compile(f"(?!\x1b\\[[0-9;]*m)[\x00-\x09\x0b-\x1f{OTHERS}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_HASHES_RE = re.compile("#(?=#)")


def _escape(match: re.Match[str]) -> str:
    c = match.group()
    return _NAMED.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")


def one_line(text: str) -> str:
    """`text` with every character that could end a line, start an escape sequence or reorder the
    text written as an escape: a value shown this way never starts a line of its own."""
    return _UNPRINTABLE_RE.sub(_escape, text)


def neutralize(text: str) -> str:
    """Text ready for a stream a CI agent reads: unprintable characters but LF escaped, and no line
    that an agent would take for a command (`::` first, `##` anywhere)."""
    text = _BUT_NEWLINE_RE.sub(_escape, text)
    if "::" not in text and "##" not in text:
        return text
    return "\n".join(_neutral_line(line) for line in text.split("\n"))


def _neutral_line(line: str) -> str:
    line = _HASHES_RE.sub("\\\\x23", line)
    body = line.lstrip()
    if body.startswith("::"):
        line = line[: len(line) - len(body)] + "\\x3a" + body[1:]
    return line


def json_text(data: Any, ensure_ascii: bool = True, default: Any = None) -> str:
    """`data` as indented JSON that decodes to the same data and that no CI agent reads as a command:
    JSON escapes control characters itself; a `#` followed by another is written `\\u0023`. (A `#` can
    only stand inside a JSON string, and no JSON line starts with `::`.)"""
    return _HASHES_RE.sub("\\\\u0023", json.dumps(data, indent=2, ensure_ascii=ensure_ascii, default=default))


def hashes_escaped(text: str, escape: str) -> str:
    """Each `#` that another follows, written `escape` (`\\x23` in YAML double quotes)."""
    return _HASHES_RE.sub(escape.replace("\\", "\\\\"), text)
