"""Groups: members that exist, no group that contains itself or a circle of groups."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from entra_profiles.config.names import CloseNames
from entra_profiles.config.yamltree import LocatedList, LocatedMap, Pos
from entra_profiles.references.local import named, shown

MEMBERS = "members are profile names, group names or tag:NAME; "
NO_TAGS, NO_NAMES = MEMBERS + "no similar tags found", MEMBERS + "no similar names found"

Report = Callable[[Pos, str, str], None]


def check_groups(
    groups: LocatedMap,
    profiles: Collection[str],
    tags: set[str],
    report: Report,
    sources: Mapping[str, list[str]] | None = None,
    hints: CloseNames | None = None,
) -> dict[str, list[str]]:
    """The valid members of each group; every problem goes to `report(position, message, hint)`. A member
    that came from a reference (`sources`: value path -> ["env:X", …]) is named, never shown."""
    hints = hints or CloseNames()
    out: dict[str, list[str]] = {}
    member_pos: dict[tuple[str, str], Pos] = {}
    for gname, members in groups.items():
        if gname in profiles:
            report(groups.key_pos[gname], f"group '{gname}' has the name of a profile", "rename one")
        if not isinstance(members, LocatedList):
            continue
        good = []
        for i, member in enumerate(members):
            pos = members.item_pos[i]
            m = str(member)
            origin = (sources or {}).get(pos.path)
            hidden = named(origin) is not None  # from ${env:}/${file:}: named by its source, never shown
            if m.startswith("tag:"):
                if m[4:] not in tags:
                    hint = MEMBERS if hidden else hints.hint(m[4:], tags, otherwise=MEMBERS, none_close=NO_TAGS)
                    what = f"the tag in {shown(m, origin)}" if hidden else f"the tag '{m[4:]}'"
                    report(pos, f"no profile has {what}", hint.rstrip("; "))
                    continue
            elif m not in profiles and m not in groups:
                hint = MEMBERS if hidden else hints.hint(m, profiles, groups, otherwise=MEMBERS, none_close=NO_NAMES)
                report(pos, f"unknown group member {shown(m, origin)}", hint.rstrip("; "))
                continue
            elif m == gname:
                report(pos, f"group '{gname}' contains itself", "remove it")
                continue
            good.append(m)
            member_pos[gname, m] = pos
        out[gname] = good
    for cycle in _group_cycles(out):
        report(
            member_pos[cycle[0], cycle[1]],
            "group cycle: " + " → ".join(cycle if len(cycle) <= 8 else [*cycle[:4], "…", *cycle[-2:]]),
            "a group may include other groups, but not one that includes it back",
        )
    return out


def _group_cycles(groups: dict[str, list[str]]) -> list[tuple[str, ...]]:
    """Cycles through groups, each once, starting from its first name in file order and ending where it
    began. One depth-first walk (no recursion): each group is entered once, however the groups nest."""
    order = {name: i for i, name in enumerate(groups)}
    done: set[str] = set()
    found: dict[frozenset[str], tuple[str, ...]] = {}
    for start in groups:
        if start in done:
            continue
        path: list[str] = [start]
        on_path = {start}  # `path` as a set: membership in constant time
        todo = [iter(groups[start])]
        while todo:
            member = next(todo[-1], None)
            if member is None:
                on_path.discard(path[-1])
                done.add(path.pop())
                todo.pop()
            elif member in on_path:
                loop = path[path.index(member) :]
                first = min(range(len(loop)), key=lambda i: order[loop[i]])
                cycle = (*loop[first:], *loop[:first], loop[first])
                found.setdefault(frozenset(loop), cycle)
            elif member in groups and member not in done:
                path.append(member)
                on_path.add(member)
                todo.append(iter(groups[member]))
    return sorted(found.values(), key=lambda c: order[c[0]])
