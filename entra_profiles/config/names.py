"""Did-you-mean for names written in a profiles file."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def close_names(word: str, candidates: Iterable[str], otherwise: str) -> str:
    """'did you mean …?' with the closest candidates, or `otherwise` when none is close."""
    close = difflib.get_close_matches(word, list(candidates), n=3)
    return "did you mean " + ", ".join(repr(c) for c in close) + "?" if close else otherwise
