"""Plain values that remember where they were written.

Mappings become `LocatedMap` (a dict) and sequences `LocatedList` (a list); each remembers the
position and dotted path of every entry, so that an error found later, even after inheritance has
merged several mappings, can still point at the line that holds the bad value. `source.py` reads a
file into them.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from entra_profiles.errors import Location
from entra_profiles.redact import REDACTOR


class Pos(NamedTuple):
    """A value's position (1-based) and its dotted path in the file it came from. A named tuple: one
    is made for every key and value of the file, and a tuple is the cheapest immutable record."""

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


def leaf_origins(node: Any, at: tuple[str, ...], file: str) -> dict[tuple[str, ...], Location]:
    """(field path -> location) of every value written for a profile, after inheritance."""
    out: dict[tuple[str, ...], Location] = {}
    if isinstance(node, LocatedMap):
        _leaf_origins(node, at, file, out)
    return out


def _leaf_origins(node: LocatedMap, at: tuple[str, ...], file: str, out: dict[tuple[str, ...], Location]) -> None:
    value_pos = node.value_pos
    for key, value in node.items():
        if isinstance(value, LocatedMap):
            _leaf_origins(value, (*at, key), file, out)
        else:
            pos = value_pos[key]
            out[(*at, key)] = Location(file, pos.line, pos.col, pos.path)
