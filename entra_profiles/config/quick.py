"""The common shapes of a profiles file checked without pydantic's validators: the models' own fields, value
checks and validators, read from the models and applied to the plain values YAML gives.

pydantic builds a model's validator the first time it validates one: for this file format ~20 ms (and its
plugin lookup) before a single profile is checked, then a few µs a profile. In a run that is CPU its one
busy core spends before the first request can go out; for a file of up to 1,000 profiles this is cheaper
(config/loader.py's QUICK_UP_TO). What this accepts, pydantic accepts with an equal result
(tests/properties/test_quick_check.py holds the two side by side on generated files). Whatever it is not
sure of — a type it does not know, a value pydantic would coerce, any check that fails — it declines (None,
False), and the loader asks pydantic, whose errors are the ones reported. It never reports a problem itself.
"""

from __future__ import annotations

import functools
import re
import types
from collections.abc import Callable, Hashable
from typing import Annotated, Any, Literal, NamedTuple, TypeVar, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, BeforeValidator, SecretStr
from pydantic.fields import FieldInfo

_NO = object()  # declined: pydantic decides
_NONE = type(None)
_PLAIN_CONFIG = {"extra": "forbid", "frozen": True, "hide_input_in_errors": True, "defer_build": True}
M = TypeVar("M", bound=BaseModel)
Check = Callable[[Any], Any]  # the value pydantic would make of a value, or _NO


def quick_model(model: type[M], data: Any) -> M | None:
    """`model` made from `data` as `model.model_validate(data)` would make it, or None: pydantic decides."""
    made = _model(model, data, partial=False)
    return None if made is _NO else made


def quick_ok(model: type[BaseModel], data: Any, partial: bool = False) -> bool:
    """Whether `model.model_validate(data)` would find nothing wrong (False: pydantic decides). `partial`:
    as a partial profile is checked where it is written (config/partial.py): every field optional and
    nullable except a credential's `type`, and the profile's own validators left for after inheritance.
    A credential written without its `type` (inherited) is then let through unread, as the loader takes
    pydantic's word on it: that it cannot tell which kind it is, nothing more (union_tag_not_found)."""
    return _model(model, data, partial) is not _NO


class _Plan(NamedTuple):
    """How to check one model: a check per field, the fields it needs, its validators (worked out once)."""

    fields: dict[str, Check]
    required: frozenset[str]
    field_validators: list[tuple[tuple[str, ...], Callable[[Any], Any]]]
    model_validators: list[Callable[[Any], Any]]


def _model(model: type[BaseModel], data: Any, partial: bool) -> Any:
    plan = _plan(model, partial)
    if plan is None or not isinstance(data, dict):
        return _NO
    checks, values = plan.fields, {}
    for key, value in data.items():
        check = checks.get(key) if type(key) is str else None
        if check is None:
            return _NO  # an unknown key (extra="forbid")
        checked = check(value)
        if checked is _NO:
            return _NO
        values[key] = checked
    if not plan.required <= values.keys():
        return _NO
    if partial:  # a partial model is not made, and the profile's validators apply after inheritance
        return values
    try:
        for names, validator in plan.field_validators:
            for name in names:
                if name in values:
                    values[name] = validator(values[name])
        made = model.model_construct(_fields_set=set(values), **values)
        if any(check(made) is not made for check in plan.model_validators):
            return _NO
    except Exception:  # a check failed: pydantic says how
        return _NO
    return made


@functools.cache
def _plan(model: type[BaseModel], partial: bool) -> _Plan | None:
    """None for a model this module does not know how to check: settings other than the format's own,
    hooks, aliases, validators other than `after` ones."""
    decorators = model.__pydantic_decorators__
    fields = model.model_fields
    if (
        dict(model.model_config) != _PLAIN_CONFIG
        or model.__pydantic_post_init__ is not None
        or model.__private_attributes__
        or decorators.validators
        or decorators.root_validators
        or decorators.field_serializers
        or decorators.model_serializers
        or decorators.computed_fields
        or any(d.info.mode != "after" for d in decorators.field_validators.values())
        or any(d.info.mode != "after" for d in decorators.model_validators.values())
        or any(info.alias or info.validation_alias or info.default_factory for info in fields.values())
        or any(info.discriminator is not None and info.metadata for info in fields.values())  # both: unread
    ):
        return None
    checks = {name: _field(info, partial and name != "type") for name, info in fields.items()}
    if partial:
        return _Plan(checks, frozenset({"type"} & fields.keys()), [], [])
    required = frozenset(name for name, info in fields.items() if info.is_required())
    field_validators = [(d.info.fields, d.func) for d in decorators.field_validators.values()]
    model_validators = [d.func for d in decorators.model_validators.values()]
    return _Plan(checks, required, field_validators, model_validators)


def _field(info: FieldInfo, partial: bool) -> Check:
    """`partial`: null stands for none, as every field of a partial profile but a credential's type."""
    if info.discriminator is not None:
        check = _tagged(info.annotation, info.discriminator, partial)
    elif info.metadata:
        inner = _annotated(info.annotation, info.metadata, partial)
        check = lambda value: _NO if value is None else inner(value)  # noqa: E731 - null with a field check: pydantic decides
    else:
        check = _check(info.annotation, partial)
    if not partial:
        return check
    return lambda value: None if value is None else check(value)


def _tagged(annotation: Any, tag: Any, partial: bool) -> Check:
    """A member of a union chosen by its `tag` field (a credential by its `type`)."""
    members: dict[tuple[type, Any], type[BaseModel]] = {}
    for member in get_args(annotation):
        if not isinstance(tag, str) or not (isinstance(member, type) and issubclass(member, BaseModel)):
            return _declined
        literal = member.model_fields[tag].annotation
        if get_origin(literal) is not Literal:
            return _declined
        members.update({(type(value), value): member for value in get_args(literal)})

    def check(value: Any) -> Any:
        if not isinstance(value, dict):
            return _NO
        if partial and tag not in value:
            return value  # its kind is inherited: checked after inheritance
        wanted = value.get(tag)
        member = members.get((type(wanted), wanted)) if isinstance(wanted, Hashable) else None
        return _NO if member is None else _model(member, value, partial)

    return check


def _annotated(base: Any, metadata: list[Any], partial: bool) -> Check:
    before = [item.func for item in metadata if isinstance(item, BeforeValidator)]
    inner = _check(base, partial)
    after: list[Check] = []
    for item in metadata:
        if isinstance(item, AfterValidator):
            after.append(item.func)  # type: ignore[arg-type]
        elif not isinstance(item, BeforeValidator):
            pattern = _pattern(item)
            if pattern is None:
                return _declined
            after.append(functools.partial(_matched, re.compile(pattern)))

    def check(value: Any) -> Any:
        try:
            for validator in before:
                value = validator(value)  # type: ignore[call-arg]
            value = inner(value)
            for validator in after:
                if value is _NO:
                    break
                value = validator(value)
        except Exception:  # a check failed: pydantic says how
            return _NO
        return value

    return check


def _pattern(item: Any) -> str | None:
    """The pattern of pydantic's own metadata, or of a Field's, that holds a pattern and nothing else."""
    if isinstance(item, FieldInfo):
        inner = item.metadata
        if len(inner) != 1 or item.alias or item.validation_alias or item.discriminator or item.default_factory:
            return None
        item = inner[0]
    if type(item).__name__ != "_PydanticGeneralMetadata":
        return None
    held = dict(vars(item))
    pattern = held.pop("pattern", None)
    return pattern if isinstance(pattern, str) and not held else None


def _matched(pattern: re.Pattern[str], value: Any) -> Any:
    """`value` if it matches; matched only when ASCII and on one line: there Python's regular expressions
    and pydantic's (Rust's, whose `$` is the end of the text) agree on the format's patterns."""
    if isinstance(value, str) and value.isascii() and "\n" not in value and pattern.search(value):
        return value
    return _NO


def _declined(value: Any) -> Any:
    return _NO


def _check(annotation: Any, partial: bool) -> Check:
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *metadata = get_args(annotation)
        return _annotated(base, metadata, partial)
    if origin is Union or origin is types.UnionType:
        return _union(get_args(annotation), partial)
    if origin is Literal:
        allowed = {(type(a), a) for a in get_args(annotation)}
        return lambda value: value if isinstance(value, Hashable) and (type(value), value) in allowed else _NO
    if origin is list:
        item = _check(get_args(annotation)[0], partial)
        return functools.partial(_list, item)
    if origin is dict:
        key, value = (_check(a, partial) for a in get_args(annotation))
        return functools.partial(_dict, key, value)
    if annotation is Any:
        return lambda value: value
    if annotation is str or annotation is bool:  # exactly: pydantic would coerce others, or refuse
        return lambda value: value if type(value) is annotation else _NO
    if annotation is SecretStr:
        return lambda value: SecretStr(value) if type(value) is str else _NO
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return functools.partial(_model, annotation, partial=False)  # a nested model (Expect, CustomCloud) is whole
    return _declined


def _union(members: tuple[Any, ...], partial: bool) -> Check:
    nullable = _NONE in members
    checks = [_check(m, partial) for m in members if m is not _NONE]

    def check(value: Any) -> Any:
        if value is None:
            return None if nullable else _NO
        fits = [r for r in (c(value) for c in checks) if r is not _NO]
        return fits[0] if len(fits) == 1 else _NO  # one member alone takes it, as pydantic's smart mode chooses

    return check


def _list(item: Check, value: Any) -> Any:
    if not isinstance(value, list):
        return _NO
    items = [item(v) for v in value]
    return _NO if any(i is _NO for i in items) else items


def _dict(key: Check, item: Check, value: Any) -> Any:
    if not isinstance(value, dict):
        return _NO
    out = {}
    for k, v in value.items():
        checked_key, checked = key(k), item(v)
        if checked_key is _NO or checked is _NO:
            return _NO
        out[checked_key] = checked
    return out
