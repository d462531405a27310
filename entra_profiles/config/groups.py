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
    for gname in out:
        cycle = _group_cycle(gname, out, (gname,))
        if cycle and cycle[0] == min(cycle[:-1]):  # each cycle once, from its first name
            report(
                member_pos[cycle[0], cycle[1]],
                "group cycle: " + " → ".join(cycle),
                "a group may include other groups, but not one that includes it back",
            )
    return out


def _group_cycle(name: str, groups: dict[str, list[str]], path: tuple[str, ...]) -> tuple[str, ...] | None:
    """The first cycle through groups that starts at `path[0]`, as names ending where they began."""
    for member in groups.get(name, []):
        if member == path[0]:
            return (*path, member)
        if member in groups and member not in path:
            found = _group_cycle(member, groups, (*path, member))
            if found:
                return found
    return None
