"""Safe YAML into plain values that remember where they were written.

Mappings become `LocatedMap` (a dict) and sequences `LocatedList` (a list); each remembers the
position and dotted path of every entry, so that an error found later, even after inheritance has
merged several mappings, can still point at the line that holds the bad value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from entra_profiles.errors import Location, Problem
from entra_profiles.redact import REDACTOR

MAX_NODES = 200_000  # aliases that expand beyond this are refused ("billion laughs")

try:
    _Loader: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Loader = yaml.SafeLoader


@dataclass(frozen=True)
class Pos:
    """A value's position (1-based) and its dotted path in the file it came from."""

    line: int
    col: int
    path: str


class LocatedMap(dict[str, Any]):
    """A mapping that knows where each of its keys and values was written."""

    def __init__(self, pos: Pos) -> None:
        super().__init__()
        self.pos = pos
        self.key_pos: dict[str, Pos] = {}
        self.value_pos: dict[str, Pos] = {}

    def put(self, key: str, value: Any, key_pos: Pos, value_pos: Pos) -> None:
        self[key] = value
        self.key_pos[key] = key_pos
        self.value_pos[key] = value_pos

    def __repr__(self) -> str:
        return REDACTOR.redact(super().__repr__())  # it may hold secrets written in the file


class LocatedList(list[Any]):
    """A sequence that knows where each item was written."""

    def __init__(self, pos: Pos) -> None:
        super().__init__()
        self.pos = pos
        self.item_pos: list[Pos] = []

    def __repr__(self) -> str:
        return REDACTOR.redact(super().__repr__())


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


TIMESTAMP = "tag:yaml.org,2002:timestamp"
PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null")}


class YamlError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.nodes = 0
        self.constructor = yaml.constructor.SafeConstructor()

    def pos(self, node: yaml.Node, path: str) -> Pos:
        return Pos(node.start_mark.line + 1, node.start_mark.column + 1, path)

    def fail(self, node: yaml.Node, path: str, message: str, hint: str | None = None) -> YamlError:
        p = self.pos(node, path)
        return YamlError(Problem(Location(self.file, p.line, p.col, path), message, hint))

    def build(self, node: yaml.Node, path: str) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(
                node,
                path,
                f"the document expands to more than {MAX_NODES} values",
                "anchors and aliases that multiply each other are refused; use templates or extends instead",
            )
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            seq = LocatedList(self.pos(node, path))
            for i, item in enumerate(node.value):
                seq.append(self.build(item, join(path, i)))
                seq.item_pos.append(self.pos(item, join(path, i)))
            return seq
        return self.scalar(node, path)

    def scalar(self, node: yaml.Node, path: str) -> Any:
        """Text, a number, true/false or null. Dates stay text (no field holds one); other tags are
        refused. The value is never quoted in the error: it may be a secret."""
        if node.tag == TIMESTAMP:
            return str(node.value)
        short = node.tag.replace("tag:yaml.org,2002:", "!!")
        if node.tag not in PLAIN_TAGS:
            raise self.fail(
                node, path, f"the YAML tag {short} is not supported", "remove it: values are text, numbers, true/false"
            )
        try:
            return self.constructor.construct_object(node, deep=True)
        except (ValueError, yaml.YAMLError):
            raise self.fail(node, path, f"this value cannot be read as {short}", "remove the tag") from None

    def mapping(self, node: yaml.MappingNode, path: str) -> LocatedMap:
        out = LocatedMap(self.pos(node, path))
        merged: list[LocatedMap] = []
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for src in sources:
                    built = self.build(src, path)
                    if not isinstance(built, LocatedMap):
                        raise self.fail(src, path, "a merge key (<<) must refer to a mapping")
                    merged.append(built)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, path, "mapping keys must be plain strings")
            key = str(self.scalar(key_node, path))
            child = join(path, key)
            if key in out:
                first = out.key_pos[key]
                raise self.fail(
                    key_node,
                    child,
                    f"duplicate key '{key}' (first defined at line {first.line})",
                    "remove one of them; YAML would silently keep only the last",
                )
            out.put(key, self.build(value_node, child), self.pos(key_node, child), self.pos(value_node, child))
        for src in merged:  # explicit keys win over merged ones, earlier merges over later ones
            for key, value in src.items():
                if key not in out:
                    out.put(key, value, src.key_pos[key], src.value_pos[key])
        return out


def load_yaml(text: str, file: str) -> Any:
    """Parse one YAML document safely; raise YamlError with the position of the first problem."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        what = exc.problem or exc.context or "invalid YAML"
        if mark and "cannot start any token" in what and _char_at(text, mark.line, mark.column) == "\t":
            what = "a tab character; YAML does not allow tabs for indentation"
        hint = _syntax_hint(what, text, mark.line if mark else None)
        raise YamlError(Problem(Location(file, line, col), f"YAML syntax error: {what}", hint)) from None
    except yaml.YAMLError as exc:
        raise YamlError(Problem(Location(file), f"YAML error: {exc}")) from None
    if node is None:
        return None
    return _Builder(file).build(node, "")


def _char_at(text: str, line: int, col: int) -> str:
    lines = text.splitlines()
    return lines[line][col] if line < len(lines) and col < len(lines[line]) else ""


def _syntax_hint(what: str, text: str, line: int | None) -> str | None:
    if "tab" in what:
        return "indent with spaces, not tabs"
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
