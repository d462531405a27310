"""Read a profiles file into located values: bounded in size, UTF-8, YAML's characters, one document.

Whatever the bytes, the result is a tree or problems that each name FILE:LINE:COL: a byte that is
not UTF-8 and a control character are located like any other mistake, not reported as an offset.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from entra_profiles.config.limits import TooLarge
from entra_profiles.config.yamlanchors import event_pos
from entra_profiles.config.yamlbuild import Builder
from entra_profiles.errors import ConfigError, Location, Problem, UsageError

MAX_FILE_BYTES = 16 << 20  # a 5,000-profile file is about 1 MiB
MAX_LISTED = 20  # bytes or characters reported one by one; a binary file is not listed in full
# What YAML (and libyaml) refuse to read: everything but tab, line breaks and printable characters.
NOT_YAML = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
LIBYAML = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Source:
    """A parsed file: its tree, the YAML problems found on the way, the paths of refused values."""

    tree: Any
    problems: list[Problem] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)


def read_source(path: Path, named_by: str | None = None) -> str:
    """The text of a profiles file; UsageError when it cannot be read, ConfigError when it is not text.
    `named_by` says who chose the path ("-f", "ENTRA_PROFILES_FILE", or None for the default)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(f"profiles file {path} not found", hint=missing_file_hint(path, named_by)) from None
    except OSError as exc:
        raise UsageError(f"cannot read profiles file {path}: {exc.strerror}") from None
    file = str(path)
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(
            [Problem(Location(file, 1, 1), f"the file is larger than {MAX_FILE_BYTES >> 20} MiB", "split it")]
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(_undecodable(data, file)) from None


def missing_file_hint(path: Path, named_by: str | None) -> str:
    """What to do when the profiles file is not there, for the way its path was chosen."""
    if named_by == "-f":
        return "check the path given with -f"
    if named_by is not None:
        return f"{named_by} names it: check the path, or unset {named_by} to use ./profiles.yaml"
    example = path.parent / "profiles.example.yaml"
    if example.is_file():
        start = f"start from the example: cp {example} {path}"
    else:
        start = f"create {path} (`entra-profiles schema` prints the format as a JSON Schema)"
    return f"{start}; or name another file with -f FILE or ENTRA_PROFILES_FILE"


def _undecodable(data: bytes, file: str) -> list[Problem]:
    problems: list[Problem] = []
    start = 0
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    hint = "save the file as UTF-8" + (" (it looks like UTF-16)" if utf16 else "")
    while start < len(data):
        try:
            data[start:].decode("utf-8")
            break
        except UnicodeDecodeError as exc:
            bad = start + exc.start
            start += exc.end
        line_start = data.rfind(b"\n", 0, bad) + 1
        line = data.count(b"\n", 0, bad) + 1
        col = len(data[line_start:bad].decode("utf-8", "replace")) + 1
        if len(problems) == MAX_LISTED:
            problems.append(Problem(Location(file, line, col), "more bytes that are not UTF-8 follow", hint))
            break
        problems.append(Problem(Location(file, line, col), f"byte 0x{data[bad]:02X} is not UTF-8 text", hint))
    return problems


def parse_source(text: str, file: str) -> Source:
    """The located tree of one YAML document; ConfigError when no tree can be built at all."""
    unreadable = _characters(text, file)
    if unreadable:
        raise ConfigError(unreadable)
    builder = Builder(file)
    try:
        builder.feed_all(_one_document(yaml.parse(text, Loader=LIBYAML), builder))
    except TooLarge:
        raise ConfigError(builder.problems) from None
    except yaml.MarkedYAMLError as exc:
        raise ConfigError([*builder.problems, _syntax_problem(exc, text, file)]) from None
    except yaml.YAMLError as exc:  # pragma: no cover - the characters were checked above
        what = str(exc).splitlines()[0] if str(exc) else "invalid YAML"
        raise ConfigError([*builder.problems, Problem(Location(file, 1, 1), f"YAML error: {what}")]) from None
    return Source(builder.root, builder.problems, builder.refused)


def _characters(text: str, file: str) -> list[Problem]:
    """Control characters (NUL, ESC, DEL, …) that YAML does not allow, each located."""
    problems: list[Problem] = []
    hint = "remove it: a YAML file holds printable characters, tabs and line breaks (write \\x01 in double quotes)"
    for n, match in enumerate(NOT_YAML.finditer(text)):
        at = match.start()
        line = text.count("\n", 0, at) + 1
        col = at - (text.rfind("\n", 0, at) + 1) + 1
        if n == MAX_LISTED:
            problems.append(Problem(Location(file, line, col), "more control characters follow", hint))
            break
        message = f"the control character U+{ord(match.group()):04X} is not allowed in YAML"
        problems.append(Problem(Location(file, line, col), message, hint))
    return problems


def _one_document(events: Iterator[yaml.Event], builder: Builder) -> Iterator[yaml.Event]:
    documents = 0
    for event in events:
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                pos = event_pos(event, "")
                builder.problems.append(
                    Problem(
                        Location(builder.file, pos.line, pos.col),
                        "a second YAML document: a profiles file holds one",
                        "remove this document, or the --- line that starts it",
                    )
                )
                return
        yield event


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, file: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = exc.problem or exc.context or "invalid YAML"
    if mark and "cannot start any token" in what and _char_at(text, mark.line, mark.column) == "\t":
        what = "a tab character; YAML does not allow tabs for indentation"
    hint = _syntax_hint(what, text, mark.line if mark else None)
    return Problem(Location(file, line, col), f"YAML syntax error: {what}", hint)


def _char_at(text: str, line: int, col: int) -> str:
    lines = text.splitlines()
    return lines[line][col] if line < len(lines) and col < len(lines[line]) else ""


def _syntax_hint(what: str, text: str, line: int | None) -> str | None:
    if "tab" in what:
        return "indent with spaces, not tabs"
    if "nesting depth" in what:
        return "a profiles file needs a few levels: profiles, a profile, its credential"
    if "mapping values are not allowed" in what:
        if line is not None and _indent(text, line) > _indent(text, line - 1) and not _opens_block(text, line - 1):
            return "this line is indented more than the one before it: align it with its neighbours"
        return "a value containing ': ' must be quoted"
    if "could not find expected ':'" in what or "expected <block end>" in what:
        return "check the indentation of this line and the one before"
    return None


def _indent(text: str, line: int) -> int:
    lines = text.splitlines()
    if not 0 <= line < len(lines):
        return 0
    return len(lines[line]) - len(lines[line].lstrip(" "))


def _opens_block(text: str, line: int) -> bool:
    """Whether a line ends with a key whose value is the indented block below it (`profiles:`)."""
    lines = text.splitlines()
    return 0 <= line < len(lines) and lines[line].split(" #")[0].rstrip().endswith(":")
