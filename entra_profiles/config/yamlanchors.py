"""YAML anchors as spans of the event stream: an alias is replayed from the events its anchor recorded.

Events are kept only while an anchor is open, each once however many anchors enclose it, so memory
follows the anchored text, not the expansion; the stream as a whole is bounded by MAX_EVENTS.
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from entra_profiles.config.yamltree import Pos

MAX_EVENTS = 1_000_000  # YAML nodes read from the text (16 MiB of `[1,1,1,…]` would be eight million)


class TooManyEvents(Exception):
    """The text holds more than MAX_EVENTS nodes."""


class Anchors:
    """Every anchor of one document: where it was defined and the events it stands for."""

    def __init__(self) -> None:
        self.events: list[yaml.Event] = []  # events inside anchors, in document order
        self.spans: dict[str, tuple[int, int]] = {}
        self.defined_at: dict[str, Pos] = {}
        self.open: list[tuple[str, int, int]] = []  # (name, first event, nesting before it)
        self.depth = 0
        self.seen = 0

    def record(self, event: yaml.Event) -> Pos | None:
        """Take one event of the parser (not of a replay); the first definition of an anchor it redefines."""
        self.seen += 1
        if self.seen > MAX_EVENTS:
            raise TooManyEvents
        name = None if isinstance(event, yaml.AliasEvent) else getattr(event, "anchor", None)
        again = None
        if name is not None:
            again = self.defined_at.get(name)
            self.defined_at[name] = event_pos(event, "")
            if isinstance(event, yaml.ScalarEvent):
                self.spans[name] = (len(self.events), len(self.events) + 1)
            else:
                self.open.append((name, len(self.events), self.depth))
        if self.open or name is not None:
            self.events.append(event)
        if isinstance(event, yaml.CollectionStartEvent):
            self.depth += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            self.depth -= 1
            while self.open and self.open[-1][2] == self.depth:
                done, start, _ = self.open.pop()
                self.spans[done] = (start, len(self.events))
        return again

    def is_open(self, name: str) -> bool:
        """Whether the anchor is still being defined: an alias to it would contain itself."""
        return any(open_name == name for open_name, _, _ in self.open)

    def replay(self, name: str) -> Iterator[yaml.Event] | None:
        """The events an alias of `name` stands for, or None when no such anchor was defined before."""
        if name not in self.spans:
            return None
        start, end = self.spans[name]
        return (self.events[i] for i in range(start, end))


def event_pos(event: yaml.Event, path: str) -> Pos:
    """Where an event starts (PyYAML's marks count from 0)."""
    mark = event.start_mark
    return Pos(mark.line + 1, mark.column + 1, path) if mark is not None else Pos(1, 1, path)


def nesting(event: yaml.Event) -> int:
    """How an event changes the nesting depth: +1 a list or mapping starts, -1 one ends, 0 otherwise."""
    if isinstance(event, yaml.CollectionStartEvent):
        return 1
    return -1 if isinstance(event, yaml.CollectionEndEvent) else 0
