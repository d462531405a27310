"""Groups: members that exist, no group that contains itself or a circle of groups."""

from __future__ import annotations

from collections.abc import Callable, Collection

from entra_profiles.config.names import close_names
from entra_profiles.config.yamltree import LocatedList, LocatedMap, Pos

MEMBERS = "members are profile names, group names or tag:NAME; "

Report = Callable[[Pos, str, str], None]


def check_groups(groups: LocatedMap, profiles: Collection[str], tags: set[str], report: Report) -> dict[str, list[str]]:
    """The valid members of each group; every problem goes to `report(position, message, hint)`."""
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
            if m.startswith("tag:"):
                if m[4:] not in tags:
                    hint = close_names(m[4:], tags, MEMBERS + "no similar tags found")
                    report(pos, f"no profile has the tag '{m[4:]}'", hint)
                    continue
            elif m not in profiles and m not in groups:
                hint = close_names(m, [*profiles, *groups], MEMBERS + "no similar names found")
                report(pos, f"unknown group member '{m}'", hint)
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
        todo = [iter(groups[start])]
        while todo:
            member = next(todo[-1], None)
            if member is None:
                done.add(path.pop())
                todo.pop()
            elif member in path:
                loop = path[path.index(member) :]
                first = min(range(len(loop)), key=lambda i: order[loop[i]])
                cycle = (*loop[first:], *loop[:first], loop[first])
                found.setdefault(frozenset(loop), cycle)
            elif member in groups and member not in done:
                path.append(member)
                todo.append(iter(groups[member]))
    return sorted(found.values(), key=lambda c: order[c[0]])
