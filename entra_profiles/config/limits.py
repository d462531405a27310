"""What bounds the work of checking one file, whatever it holds: values built, problems found, values
inherited.

A file with thousands of mistakes, or a few large templates extended by thousands of profiles,
would otherwise take minutes and gigabytes to check and print. Past a limit the check stops where
it is, and says so there, as a located problem like any other.
"""

from __future__ import annotations

from typing import Any

from entra_profiles.config.yamltree import LocatedList, LocatedMap, Pos
from entra_profiles.errors import MAX_PROBLEMS

MAX_VALUES = 400_000  # values built from one file (5,000 profiles of twenty-odd values each hold about 115,000)
MAX_EXPANDED = 200_000  # of them brought in by aliases: anchors that multiply each other ("billion laughs")
MAX_INHERITED = 200_000  # values merged into profiles in all (a 5,000-profile file merges about 40,000)
SPLIT = "split it into several files, each given with -f FILE"


class ValueCount:
    """The values built from one file, and how many of them aliases brought in."""

    def __init__(self) -> None:
        self.values = 0
        self.expanded = 0

    def add(self, *, by_alias: bool, profiles_before: int | None) -> tuple[str, str] | None:
        """One more value; past a limit, the (message, hint) of the problem that stops the file."""
        self.values += 1
        self.expanded += by_alias
        if self.expanded > MAX_EXPANDED:
            return (
                f"aliases expand to more than {MAX_EXPANDED} values: the file is not checked",
                "anchors and aliases that multiply each other are refused; use templates or extends instead",
            )
        if self.values <= MAX_VALUES:
            return None
        from_aliases = f" ({self.expanded} of them brought in by aliases)" if self.expanded else ""
        where = "" if profiles_before is None else f": {profiles_before} profiles come before this point"
        return (
            f"the file holds more than {MAX_VALUES} values{from_aliases}, the most one profiles file may hold: "
            "it is not checked",
            f"{SPLIT}{where}",
        )


class Limits:
    """The counts of one check; each method gives the (message, hint) of the problem to report, once."""

    def __init__(self) -> None:
        self.stopped = False
        self.inherited = 0
        self.sizes: dict[int, int] = {}

    def full(self, found: int, pos: Pos) -> tuple[str, str] | None:
        """When `found` problems reach MAX_PROBLEMS: the problem to report at `pos` (once), else None.
        Check `stopped` to know whether to go on."""
        if found < MAX_PROBLEMS or self.stopped:
            return None
        self.stopped = True
        return f"more than {MAX_PROBLEMS} problems: the file is not checked from here on", "fix these first"

    def inherit(self, layers: list[LocatedMap]) -> tuple[str, str] | None:
        """Count the values a profile inherits; past MAX_INHERITED, the problem to report (once)."""
        before = self.inherited
        self.inherited += sum(self._size(layer) for layer in layers)
        if self.inherited <= MAX_INHERITED or before > MAX_INHERITED:
            return None
        return (
            f"profiles inherit more than {MAX_INHERITED} values in all: this profile and the ones after it "
            "are not checked",
            f"keep templates and defaults to the few fields profiles share, or {SPLIT}",
        )

    @property
    def over_budget(self) -> bool:
        return self.inherited > MAX_INHERITED

    def _size(self, node: Any) -> int:
        """How many values a mapping or list holds, nested ones included (remembered per node)."""
        if not isinstance(node, LocatedMap | LocatedList):
            return 1
        key = id(node)
        if key not in self.sizes:
            self.sizes[key] = 1 + sum(self._size(v) for v in (node.values() if isinstance(node, dict) else node))
        return self.sizes[key]


class TooLarge(Exception):
    """The file holds more than a limit allows: building stops."""
