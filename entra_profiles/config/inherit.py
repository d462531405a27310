"""Inheritance: defaults < extends chain (furthest ancestor first) < the profile itself.

Mappings merge deeply, except that a mapping with a different `type` replaces the one below;
lists and scalars replace. Merged mappings keep the positions of the values
they took, so errors still point at the line where each value was written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from entra_profiles.config.names import CloseNames
from entra_profiles.config.yamltree import LocatedList, LocatedMap, Pos
from entra_profiles.references.local import named, shown

Sources = Mapping[str, list[str]]


def merge(base: LocatedMap, overlay: LocatedMap) -> LocatedMap:
    """A new mapping: `overlay` over `base`, recursively for nested mappings."""
    out = LocatedMap(overlay.pos)
    for source in (base, overlay):
        for key, value in source.items():
            current = out.get(key)
            if isinstance(current, LocatedMap) and isinstance(value, LocatedMap) and _same_kind(current, value):
                value = merge(current, value)
            out.put(key, value, source.key_pos[key], source.value_pos[key])
    return out


def _same_kind(base: LocatedMap, overlay: LocatedMap) -> bool:
    """A mapping with another `type` (a credential of another kind) replaces, not merges."""
    return "type" not in overlay or base.get("type", overlay["type"]) == overlay["type"]


@dataclass(frozen=True)
class ChainError:
    pos: Pos
    message: str
    hint: str | None = None
    reported_elsewhere: bool = False  # the schema check already says what is wrong with the value


MAX_LAYERS = 256  # templates and profiles one profile inherits, counted with repeats (a diamond counts twice)
MAX_DEPTH = 64  # extends of extends of …


def extends_chain(
    name: str,
    profiles: dict[str, LocatedMap],
    templates: dict[str, LocatedMap],
    sources: Sources | None = None,
    hints: CloseNames | None = None,
) -> tuple[list[LocatedMap], ChainError | None]:
    """The layers profile `name` inherits, in merge order (furthest ancestor first), or the error
    that breaks the chain. `extends` names one template or profile, or a list merged left to right.
    A name that came from a reference (`sources`: value path -> ["env:X", …]) is named, never shown."""
    try:
        walk = _Walk(profiles, templates, sources or {}, hints or CloseNames())
        return _layers(name, profiles[name], (name,), walk), None
    except _Broken as exc:
        if exc.error.message.startswith("extends cycle") and "extends" in profiles[name].value_pos:
            # A cycle is reported where this profile's own extends is written.
            return [], ChainError(profiles[name].value_pos["extends"], exc.error.message, exc.error.hint)
        return [], exc.error


@dataclass
class _Walk:
    """What one profile's walk up its extends reads, and the layers it counted."""

    profiles: dict[str, LocatedMap]
    templates: dict[str, LocatedMap]
    sources: Sources
    hints: CloseNames
    layers: int = field(default=0)


class _Broken(Exception):
    def __init__(self, error: ChainError) -> None:
        self.error = error


def _layers(label: str, node: LocatedMap, stack: tuple[str, ...], walk: _Walk) -> list[LocatedMap]:
    profiles, templates, sources = walk.profiles, walk.templates, walk.sources
    target = node.get("extends")
    if target is None:
        return []
    pos = node.value_pos["extends"]
    if isinstance(target, str):
        targets, positions = [target], [pos]
    elif isinstance(target, LocatedList) and all(isinstance(t, str) for t in target):
        targets, positions = list(target), list(target.item_pos)
    else:
        raise _Broken(ChainError(pos, "extends takes a name or a list of names", reported_elsewhere=True))
    out: list[LocatedMap] = []
    for parent_name, parent_pos in zip(targets, positions, strict=True):
        if parent_name in templates:
            parent, parent_label = templates[parent_name], f"template:{parent_name}"
        elif parent_name in profiles:
            parent, parent_label = profiles[parent_name], parent_name
        else:
            otherwise = "name a template (under templates:) or another profile"
            hidden = named(sources.get(parent_pos.path)) is not None
            hint = otherwise if hidden else walk.hints.hint(parent_name, templates, profiles, otherwise=otherwise)
            what = shown(parent_name, sources.get(parent_pos.path))
            raise _Broken(ChainError(parent_pos, f"extends unknown template or profile {what}", hint))
        if len(stack) > MAX_DEPTH or walk.layers >= MAX_LAYERS:
            what = f"more than {MAX_DEPTH} deep" if len(stack) > MAX_DEPTH else f"over {MAX_LAYERS} layers"
            hint = "a profile needs a few templates: merge the chain into fewer of them"
            raise _Broken(ChainError(parent_pos, f"extends goes {what} ({' → '.join(stack[:3])} → …)", hint))
        if parent_label in stack:
            cycle = " → ".join([*stack, parent_label])
            raise _Broken(ChainError(parent_pos, f"extends cycle: {cycle}", "remove one extends of the cycle"))
        out += _layers(parent_label, parent, (*stack, parent_label), walk)
        out.append(parent)
        walk.layers += 1
    return out
