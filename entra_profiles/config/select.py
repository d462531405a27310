"""Selection shared by every command: profile names, groups, `tag:NAME`, globs and `all`."""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Sequence

from entra_profiles.config.loader import ProfileSet
from entra_profiles.errors import UsageError

GLOB_CHARS = set("*?[")


def select(ps: ProfileSet, targets: Sequence[str]) -> list[str]:
    """Profile names for the targets, in the order selected, without duplicates. No targets: all."""
    chosen: dict[str, None] = {}
    expanded: set[str] = set()  # a group expanded once has added all it can (and a cycle adds nothing new)
    for target in targets or ["all"]:
        for name in _expand(ps, target, expanded):
            chosen.setdefault(name, None)
    return list(chosen)


def _expand(ps: ProfileSet, target: str, expanded: set[str]) -> list[str]:
    if target == "all":
        return list(ps.names)
    if target in ps.names:
        return [target]
    if target in ps.groups:
        found: list[str] = []
        todo = [target]  # members in file order, depth first, without recursion
        while todo:
            member = todo.pop()
            if member in ps.groups and member not in ps.names:
                if member not in expanded:
                    expanded.add(member)
                    todo.extend(reversed(ps.groups[member]))
            else:
                found += _expand(ps, member, expanded)
        return found
    if target.startswith("tag:"):
        tag = target[4:]
        found = [n for n in ps.names if tag in ps.tags.get(n, [])]
        if found:
            return found
        tags = sorted({t for ts in ps.tags.values() for t in ts})
        if tag in ps.groups or tag in ps.names:
            what = "a group" if tag in ps.groups else "a profile"
            raise UsageError(f"no profile has the tag '{tag}'", hint=f"'{tag}' is {what}: select it as {tag}")
        raise UsageError(f"no profile has the tag '{tag}'", hint=_suggest(tag, tags, "tags"))
    if GLOB_CHARS & set(target):
        found = [n for n in ps.names if fnmatch.fnmatchcase(n, target)]
        if found:
            return found
        raise UsageError(f"'{target}' matches no profile", hint=_suggest(target, ps.names, "profiles"))
    raise UsageError(f"unknown profile or group '{target}'", hint=_suggest(target, [*ps.names, *ps.groups], "names"))


def _suggest(word: str, candidates: Sequence[str], what: str) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=3, cutoff=0.5)
    if close:
        return "closest: " + ", ".join(close)
    if not candidates:
        return f"the file has no {what}"
    return f"run `entra-profiles list` to see the {len(candidates)} {what}"
