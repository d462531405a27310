"""Turn pydantic validation errors into Problems that point at the YAML that caused them."""

from __future__ import annotations

import difflib
import functools
import types
from collections.abc import Mapping
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from entra_profiles.config.fields import CHARACTERS_DETAIL, SCOPE_ERROR, app_only_scope_hint
from entra_profiles.config.models import CREDENTIAL_TYPES, SECRET_FIELDS
from entra_profiles.config.yamltree import LocatedList, LocatedMap, Pos, join
from entra_profiles.errors import MAX_PROBLEMS, Location, Problem

MAX_SUGGESTIONS = 200  # unknown keys per check that get a did-you-mean
TYPE_WORDS = {
    "string_type": "text",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}


class Concealed(str):
    """Stands for a value that came from a reference: it may be a secret, so it is named, not shown."""


def conceal(message: str, value: Any, concealed: Concealed) -> str:
    """`message` with the value it quotes replaced by where it came from, and no detail of its characters."""
    message = message.split(CHARACTERS_DETAIL)[0]
    if isinstance(value, str) and value:
        message = message.replace(f"'{value}'", concealed).replace(value, "***")
    return message


def _named(sources: list[str]) -> Concealed:
    return Concealed("the value of " + " and ".join("${" + s + "}" for s in sources))


def _conceal_within(message: str, node: LocatedMap | LocatedList, sources: Mapping[str, list[str]]) -> str:
    """`message` about a list or a mapping, with each value in it that came from a reference named, not shown."""
    items = (
        [(node.value_pos[k], v) for k, v in node.items()]
        if isinstance(node, LocatedMap)
        else list(zip(node.item_pos, node, strict=True))
    )
    for pos, value in items:
        if isinstance(value, LocatedMap | LocatedList):
            message = _conceal_within(message, value, sources)
        elif pos.path in sources and isinstance(value, str) and value:
            message = conceal(message, value, _named(sources[pos.path]))
    return message


def describe(value: Any) -> str:
    """How a YAML value reads to a person: 'a list', 'the number 5', 'nothing (null)'."""
    if isinstance(value, Concealed):
        return str(value)
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return f"'{value}'"
    return type(value).__name__


def allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed in the mapping at `loc` (for did-you-mean hints)."""
    current: Any = model
    i = 0
    while i < len(loc):
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(str(loc[i]))
        if field is None:
            return []
        current, i = _descend(field.annotation, loc, i + 1)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _descend(annotation: Any, loc: tuple[Any, ...], i: int) -> tuple[Any, int]:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        models = [a for a in members if isinstance(a, type) and issubclass(a, BaseModel)]
        if len(models) > 1 and i < len(loc):  # discriminated union: next loc element is the tag
            tag = str(loc[i])
            for m in models:
                if m.model_fields.get("type") and tag in str(m.model_fields["type"].annotation):
                    return m, i + 1
            return None, i
        if len(members) == 1:
            return _descend(members[0], loc, i)
        return (models[0] if models else None), i
    if origin is dict:
        return _descend(get_args(annotation)[1], loc, i + 1)
    if origin is list:
        return _descend(get_args(annotation)[0], loc, i + 1)
    if hasattr(annotation, "__metadata__"):  # Annotated
        return _descend(get_args(annotation)[0], loc, i)
    return annotation, i


def locate(tree: LocatedMap, loc: tuple[Any, ...], *, at_key: bool) -> tuple[Pos, Any, bool]:
    """Walk `loc` through the located tree: the position, the value there, whether it exists."""
    node: Any = tree
    pos = tree.pos
    for n, part in enumerate(loc):
        last = n == len(loc) - 1
        if not last and loc[n + 1] == "[key]" and isinstance(node, LocatedMap) and part in node:
            return node.key_pos[part], part, True  # pydantic checked the key itself
        if isinstance(node, LocatedMap) and not last and part in CREDENTIAL_TYPES and node.get("type") == part:
            continue  # the discriminator tag pydantic puts in the location (before a key of the same name)
        if _union_branch(node, part):
            continue  # the branch of a `str | list[str]` union pydantic names in the location
        if isinstance(node, LocatedMap) and isinstance(part, str) and part in node:
            pos = node.key_pos[part] if (last and at_key) else node.value_pos[part]
            node = node[part]
        elif isinstance(node, LocatedList) and isinstance(part, int) and part < len(node):
            pos = node.item_pos[part]
            node = node[part]
        elif isinstance(node, LocatedMap) and part in CREDENTIAL_TYPES and node.get("type") == part:
            continue  # the discriminator tag pydantic puts in the location
        else:
            return Pos(pos.line, pos.col, join(pos.path, part)), None, False
    return pos, node, True


def problems_from(
    exc: ValidationError,
    tree: LocatedMap,
    model: type[BaseModel],
    file: str,
    owners: frozenset[str] = frozenset(),
    skip_paths: set[str] | None = None,
    ignore: frozenset[str] = frozenset(),
    sources: Mapping[str, list[str]] | None = None,
    keys_reported: bool = False,
) -> list[Problem]:
    """One Problem per pydantic error, positioned on the YAML that caused it. A value that came from
    a reference (`sources`: path -> ["env:NAME", …]) is never quoted: it may be a secret.
    `keys_reported`: unknown keys at the top were reported already (where each is written)."""
    out = []
    errors = exc.errors(include_url=False)
    corrections = _corrections(errors, model)
    misspelt = {(*loc[:-1], correction) for loc, correction in corrections.items() if correction}
    for err in errors:
        loc = tuple(err["loc"])
        kind = err["type"]
        if kind in ignore or (kind == "missing" and loc in misspelt):
            continue  # `tenent: …` is one mistake, reported once, as the unknown key with its correction
        if keys_reported and kind == "extra_forbidden" and len(loc) == 1:
            continue
        if _other_union_branch(tree, loc):
            continue
        pos, value, _ = locate(tree, loc, at_key=kind == "extra_forbidden")
        tag = kind == "union_tag_invalid"  # about the mapping's `type`, not the mapping
        path, raw = (join(pos.path, "type"), err.get("ctx", {}).get("tag")) if tag else (pos.path, value)
        if skip_paths and _within(path, skip_paths):
            continue  # already reported as a reference problem
        concealed = None
        if sources and path in sources and not isinstance(raw, LocatedMap | LocatedList):
            concealed = _named(sources[path])
        message, hint = _message(err, kind, loc, concealed or value, model, corrections.get(loc))
        if concealed:
            message = conceal(message, raw, concealed)
        elif sources and isinstance(raw, LocatedMap | LocatedList):
            message = _conceal_within(message, raw, sources)  # a check of a list or a mapping quotes its values
        out.append(Problem(Location(file, pos.line, pos.col, pos.path), message, hint, owners))
        if len(out) == MAX_PROBLEMS:
            break  # the caller says the rest is not checked
    return out


def _corrections(errors: list[Any], model: type[BaseModel]) -> dict[tuple[Any, ...], str | None]:
    """The allowed key each unknown key is most likely a misspelling of (for the first
    MAX_SUGGESTIONS of them: a file of thousands of unknown keys gets its answer in seconds)."""
    unknown = [tuple(e["loc"]) for e in errors if e["type"] == "extra_forbidden" and e["loc"]]
    return {loc: _correction(model, loc) for loc in unknown[:MAX_SUGGESTIONS]}


@functools.lru_cache(maxsize=1 << 16)  # the same unknown key inherited by many profiles is looked up once
def _correction(model: type[BaseModel], loc: tuple[Any, ...]) -> str | None:
    """The allowed key that an unknown key at `loc` is most likely a misspelling of."""
    close = difflib.get_close_matches(str(loc[-1]), allowed_keys(model, loc[:-1]), n=1, cutoff=0.6)
    return close[0] if close else None


@functools.lru_cache(maxsize=1024)  # a mistyped type inherited by thousands of profiles: looked up once
def _close_type(tag: str) -> str | None:
    close = difflib.get_close_matches(tag, list(CREDENTIAL_TYPES), n=1)
    return close[0] if close else None


def _union_branch(node: Any, part: Any) -> bool:
    """Whether `part` of a location is pydantic's name for a branch of `str | list[str]`, not a key."""
    return part in ("str", "list[str]") and not (isinstance(node, LocatedMap) and part in node)


def _other_union_branch(tree: LocatedMap, loc: tuple[Any, ...]) -> bool:
    """An error of the `str` branch of `str | list[str]` when a list was written, or the reverse."""
    node: Any = tree
    for part in loc:
        if _union_branch(node, part):
            return bool(isinstance(node, LocatedList) != (part == "list[str]"))
        if isinstance(node, LocatedMap) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, LocatedList) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return False
    return False


def _message(
    err: Any, kind: str, loc: tuple[Any, ...], value: Any, model: type[BaseModel], correction: str | None
) -> tuple[str, str | None]:
    key = str(loc[-1]) if loc else ""
    if key in SECRET_FIELDS and isinstance(value, str | int | float) and not isinstance(value, Concealed):
        value = "<hidden>"  # never echo what may be a secret
    if kind == "missing":
        return "required field missing", None
    if kind == "extra_forbidden":
        allowed = allowed_keys(model, loc[:-1])
        if correction:
            return f"unknown key '{key}'", f"did you mean '{correction}'?"
        return f"unknown key '{key}'", ("allowed here: " + ", ".join(allowed)) if allowed else None
    if kind == "union_tag_invalid":
        tag = value if isinstance(value, Concealed) else err.get("ctx", {}).get("tag", value)
        names = list(CREDENTIAL_TYPES)
        close = None if isinstance(tag, Concealed) else _close_type(str(tag))
        lead = f"did you mean '{close}'? " if close else ""
        return f"unknown credential type {describe(tag)}", lead + "types: " + ", ".join(names)
    if kind == "union_tag_not_found":
        return "the credential needs a 'type'", "one of: " + ", ".join(CREDENTIAL_TYPES)
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, "), None
    if kind == SCOPE_ERROR:  # the hint names a scope built from the value: not for one that came from a reference
        hint = app_only_scope_hint("RESOURCE/.default") if isinstance(value, Concealed) else err["ctx"]["hint"]
        return str(err["msg"]), hint
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"expected {expected}, got {describe(value)}", None
    if kind == "string_pattern_mismatch":
        if key == "resource_id":
            return f"{describe(value)} is not an Azure resource id", "it starts with /subscriptions/"
        if key == "keyvault_credential":
            return (
                f"{describe(value)} is not a Key Vault credential",
                "use profile:NAME, managed_identity, managed_identity:CLIENT_ID, workload_identity or environment",
            )
        if key.startswith("managed_identity_endpoint"):
            return f"{describe(value)} is not an http(s) URL", None
        return (
            f"{describe(value)} is not a valid name",
            "use letters, digits, '_' and '-', starting with a letter or digit",
        )
    if kind in TYPE_WORDS:
        return f"expected {TYPE_WORDS[kind]}, got {describe(value)}", None
    return str(err["msg"]), None


def dedupe(problems: list[Problem]) -> list[Problem]:
    """Each problem once (the owners of its copies together), in the order of the file."""
    merged: dict[tuple[Any, ...], Problem] = {}
    for p in problems:
        key = (p.where.line, p.where.col, p.where.path, p.message)
        if key in merged:
            old = merged[key]
            owners = frozenset() if not old.owners or not p.owners else old.owners | p.owners
            merged[key] = Problem(old.where, old.message, old.hint, owners)
        else:
            merged[key] = p
    return sorted(merged.values(), key=lambda p: (p.where.line or 0, p.where.col or 0, p.where.path))


def _within(path: str, paths: set[str]) -> bool:
    """Whether `path`, or a path that holds it (`a.b` holds `a.b.c` and `a.b[0]`), is in `paths`: one set
    lookup per level, whatever the number of paths."""
    while path:
        if path in paths:
            return True
        cut = max(path.rfind("."), path.rfind("["))
        if cut <= 0:
            return False
        path = path[:cut]
    return False
