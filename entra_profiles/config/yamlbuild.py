"""Located values built from PyYAML's event stream, without recursion and with every problem collected.

Building from events rather than PyYAML's node graph gives each alias its own position (an alias
inside its own anchor is a located problem, not an endless recursion), keeps memory bounded by the
values actually kept (the expansion limit stops "billion laughs" before it is built), and lets a
refused tag, a duplicate key or a too-deep mapping be reported while the rest of the file is still
read, so that `validate` shows every problem at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from entra_profiles.config.limits import SPLIT, TooLarge, ValueCount
from entra_profiles.config.yamlanchors import MAX_EVENTS, Anchors, TooManyEvents, event_pos, nesting
from entra_profiles.config.yamlscalars import TAG, ScalarReader, refused_tag
from entra_profiles.config.yamltree import LocatedList, LocatedMap, Pos, join
from entra_profiles.errors import MAX_PROBLEMS, Location, Problem

MAX_DEPTH = 32  # a profiles file needs six levels; deeper nesting is refused before anything recurses on it

MERGE, MAP, SEQ = TAG + "merge", TAG + "map", TAG + "seq"
# Compared by class (the parsers make exactly these): a set lookup per event instead of isinstance.
VALUE_EVENTS = frozenset({yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent})
END_EVENTS = frozenset({yaml.MappingEndEvent, yaml.SequenceEndEvent})


@dataclass(slots=True)
class _Open:
    """A mapping or sequence being built."""

    value: LocatedMap | LocatedList
    path: str
    merges: list[LocatedMap] = field(default_factory=list)
    key: str | None = None  # mapping: the key whose value comes next (None: a key comes next)
    key_pos: Pos | None = None
    keep: bool = True  # False: the next value is read but dropped (a duplicate or unreadable key)
    merging: bool = False  # the next value is the source of a merge key (<<)
    merge_list: bool = False  # a sequence that is a merge key's list of mappings
    is_map: bool = False  # value is a LocatedMap (asked for every event: cheaper than isinstance)


class Builder:
    """Feed it the events of one document; `root` is the value built, `problems` what was wrong."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.refused: set[str] = set()  # paths whose value was refused: not checked any further
        self.reported: set[tuple[int, int, str]] = set()
        self.root: Any = None
        self.count = ValueCount()
        self.by_alias = False  # the events fed now are an alias's replay
        self.stack: list[_Open] = []
        self.skipping = 0  # nesting level inside a collection that is read but not built
        self.anchors = Anchors()
        self.scalars = ScalarReader()

    # -- the stream ------------------------------------------------------------------------------
    def feed_all(self, events: Iterator[yaml.Event]) -> None:
        """Every event of the parser; aliases are replayed from their anchors' recorded events."""
        record, feed, alias = self._record, self._feed, yaml.AliasEvent
        for event in events:
            record(event)
            if event.__class__ is alias:
                self._replay(event)
            else:
                feed(event)

    def _replay(self, event: yaml.AliasEvent) -> None:
        """An alias of the parser's stream: the events it stands for (aliases inside them replayed too)."""
        replay = self._alias(event)
        sources: list[Iterator[yaml.Event]] = [replay] if replay is not None else []
        self.by_alias = True  # the values fed now count against the aliases' limit
        try:
            while sources:
                inner = next(sources[-1], None)
                if inner is None:
                    sources.pop()
                elif isinstance(inner, yaml.AliasEvent):
                    replay = self._alias(inner)
                    if replay is not None:
                        sources.append(replay)
                else:
                    self._feed(inner)
        finally:
            self.by_alias = False

    def _record(self, event: yaml.Event) -> None:
        try:
            first = self.anchors.record(event)
        except TooManyEvents:
            message = (
                f"the file holds more than {MAX_EVENTS} YAML nodes (keys, values, ends of lists and mappings), "
                "the most one profiles file may hold: it is not checked"
            )
            self._problem(event_pos(event, ""), message, SPLIT)
            raise TooLarge from None
        if first is not None:
            message = f"anchor &{getattr(event, 'anchor', '')} is defined twice (first at line {first.line})"
            self._problem(event_pos(event, ""), message, "rename one")

    def _alias(self, event: yaml.AliasEvent) -> Iterator[yaml.Event] | None:
        """The events an alias stands for, or None after reporting why it cannot be used."""
        if self.skipping:
            return None
        name = event.anchor or ""
        if self._awaiting_key():
            self._bad_key(event)
            return None
        path = self._child_path()
        pos = event_pos(event, path)
        replay = self.anchors.replay(name)
        if self.anchors.is_open(name):
            self._problem(
                pos,
                f"alias *{name} is used inside its own anchor &{name} (a value that contains itself)",
                "refer to the anchor from outside it, or use templates and extends",
            )
        elif replay is None:
            self._problem(
                pos, f"alias *{name} refers to no anchor &{name} defined before it", "define the anchor first"
            )
        else:
            return replay
        self._count(pos)
        self._place_refused(pos)
        return None

    def _count(self, pos: Pos) -> None:
        """One more value; past a limit the file is refused where it got there."""
        profiles = self.stack[1] if len(self.stack) > 1 and self.stack[1].path == "profiles" else None
        before = len(profiles.value) if profiles is not None and isinstance(profiles.value, LocatedMap) else None
        over = self.count.add(by_alias=self.by_alias, profiles_before=before)
        if over is not None:
            self._problem(pos, *over)
            raise TooLarge

    def _feed(self, event: yaml.Event) -> None:
        if self.skipping:
            self.skipping += nesting(event)
            return
        cls = event.__class__
        if cls in VALUE_EVENTS:
            stack = self.stack
            top = stack[-1] if stack else None
            if top is None:
                path = ""
            elif top.is_map:
                if top.key is None:  # a key comes next
                    if cls is yaml.ScalarEvent:
                        self._key(event)  # type: ignore[arg-type]
                    else:
                        self._bad_key(event)
                    return
                path = top.path if top.merging else join(top.path, top.key)
            else:
                path = stack[-2].path if top.merge_list else f"{top.path}[{len(top.value)}]"
            mark = event.start_mark
            pos = Pos(mark.line + 1, mark.column + 1, path) if mark is not None else Pos(1, 1, path)
            self._count(pos)
            if cls is yaml.ScalarEvent:
                self._place(self._scalar(event, pos), pos)  # type: ignore[arg-type]
            else:
                self._start(event, pos)  # type: ignore[arg-type]
        elif cls in END_EVENTS:
            self._end()

    # -- collections -----------------------------------------------------------------------------
    def _start(self, event: yaml.CollectionStartEvent, pos: Pos) -> None:
        path = pos.path
        mapping = isinstance(event, yaml.MappingStartEvent)
        if event.tag not in (None, "!", MAP if mapping else SEQ):
            self._refuse_tag(pos, event.tag)
        if len(self.stack) >= MAX_DEPTH:
            self._problem(
                pos,
                f"values are nested more than {MAX_DEPTH} levels deep",
                "a profiles file needs a few levels: profiles, a profile, its credential",
            )
            self.skipping = 1
            self._place_refused(pos)
            self.refused.add(self.stack[3].path if len(self.stack) > 3 else path)  # and the field that holds it
            return
        parent = self.stack[-1] if self.stack else None
        merge_list = not mapping and parent is not None and parent.merging
        value = LocatedMap(pos) if mapping else LocatedList(pos)
        self.stack.append(_Open(value, path, merge_list=merge_list, is_map=mapping))

    def _end(self) -> None:
        done = self.stack.pop()
        value = done.value
        if isinstance(value, LocatedMap):
            for src in done.merges:  # explicit keys win over merged ones, earlier merges over later ones
                for key, item in src.items():
                    if key not in value:
                        value.put(key, item, src.key_pos[key], src.value_pos[key])
        if done.merge_list:  # its mappings went to the merge sources one by one
            self._next_key()
            return
        self._place(value, value.pos)

    def _place(self, value: Any, pos: Pos, *, reported: bool = False) -> None:
        """Put a finished value where it belongs: the root, a list, or a mapping under its key.
        `reported`: the value stands for one already reported as a problem."""
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        if top.merge_list or top.merging:
            if isinstance(value, LocatedMap):
                self.stack[-2 if top.merge_list else -1].merges.append(value)
            elif not reported:
                self._problem(pos, "a merge key (<<) must refer to a mapping", "merge an anchored mapping: <<: *name")
        elif not top.is_map:
            top.value.append(value)  # type: ignore[union-attr]
            top.value.item_pos.append(pos)  # type: ignore[union-attr]
        elif top.keep and top.key is not None and top.key_pos is not None:
            top.value.put(top.key, value, top.key_pos, pos)  # type: ignore[union-attr]
        if top.is_map:
            top.key, top.key_pos, top.keep, top.merging = None, None, True, False

    def _place_refused(self, pos: Pos) -> None:
        """Nothing, where a value was refused; what would be checked below it is not (it was reported)."""
        top = self.stack[-1] if self.stack else None
        if top is None or not (top.merging or top.merge_list):
            self.refused.add(pos.path)
        self._place(None, pos, reported=True)

    def _next_key(self) -> None:
        top = self.stack[-1]
        top.key, top.key_pos, top.keep, top.merging = None, None, True, False

    # -- keys and scalars ------------------------------------------------------------------------
    def _awaiting_key(self) -> bool:
        return bool(self.stack) and self.stack[-1].is_map and self.stack[-1].key is None

    def _key(self, event: yaml.ScalarEvent) -> None:
        top = self.stack[-1]
        key = event.value
        path = f"{top.path}.{key}" if top.path else key  # join(top.path, key)
        mark = event.start_mark
        pos = Pos(mark.line + 1, mark.column + 1, path) if mark is not None else Pos(1, 1, path)
        top.key, top.key_pos = key, pos
        if event.tag == MERGE or (event.tag is None and event.implicit[0] and key == "<<"):
            top.merging = True
            return
        if event.tag not in (None, "!", TAG + "str"):
            self._refuse_tag(pos, event.tag)
        mapping = top.value
        assert isinstance(mapping, LocatedMap)
        if key in mapping:
            top.keep = False
            self._problem(
                pos,
                f"duplicate key '{key}' (first defined at line {mapping.key_pos[key].line})",
                "remove one of them; YAML would silently keep only the last",
            )

    def _bad_key(self, event: yaml.Event) -> None:
        top = self.stack[-1]
        pos = event_pos(event, top.path)
        self._problem(
            pos, "mapping keys must be plain text", "write the key as text; lists, mappings and aliases are not keys"
        )
        top.key, top.key_pos, top.keep = "", pos, False
        if isinstance(event, yaml.CollectionStartEvent):
            self.skipping = 1

    def _scalar(self, event: yaml.ScalarEvent, pos: Pos) -> Any:
        value, problem = self.scalars.read(event)
        if problem is not None:
            self._problem(pos, *problem)
            self.refused.add(pos.path)
        return value

    # -- helpers ---------------------------------------------------------------------------------
    def _child_path(self) -> str:
        if not self.stack:
            return ""
        top = self.stack[-1]
        if isinstance(top.value, LocatedList):
            return self.stack[-2].path if top.merge_list else join(top.path, len(top.value))
        return top.path if top.merging else join(top.path, top.key or "")

    def _refuse_tag(self, pos: Pos, tag: str) -> None:
        self._problem(pos, *refused_tag(tag))
        self.refused.add(pos.path)

    def _problem(self, pos: Pos, message: str, hint: str | None = None) -> None:
        """Report once per place in the file: an alias replays what it stands for, problems included."""
        if (pos.line, pos.col, message) not in self.reported and len(self.problems) < MAX_PROBLEMS:
            self.reported.add((pos.line, pos.col, message))
            self.problems.append(Problem(Location(self.file, pos.line, pos.col, pos.path), message, hint))
