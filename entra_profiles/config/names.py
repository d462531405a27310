"""Did-you-mean for names written in a profiles file, at a bounded cost.

difflib compares a name with every candidate: a file of thousands of unknown names among thousands of
names made millions of comparisons (6,000 groups with an unknown member each took 67 s). One file's
look-ups share a budget of comparisons; each name is looked up once. Past the budget a problem keeps
its general hint: every problem is still reported, only the guess is left out.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection

BUDGET = 100_000  # comparisons of a name with a candidate, per file: about a second of difflib


class CloseNames:
    def __init__(self, budget: int = BUDGET) -> None:
        self.left = budget
        self.found: dict[tuple[str, str], list[str]] = {}

    def hint(self, word: str, *pools: Collection[str], otherwise: str, none_close: str | None = None) -> str:
        """'did you mean …?' with the closest candidates of `pools`; `none_close` when none is close
        (default: `otherwise`); `otherwise` when the budget is spent."""
        key = (word, otherwise)
        close = self.found.get(key)
        if close is None:
            if self.left <= 0:
                return otherwise
            self.left -= sum(len(p) for p in pools)
            candidates = list(pools[0]) if len(pools) == 1 else [c for p in pools for c in p]
            close = self.found[key] = difflib.get_close_matches(word, candidates, n=3)
        if not close:
            return none_close or otherwise
        return "did you mean " + ", ".join(repr(c) for c in close) + "?"
