"""A YAML scalar as a profiles file may hold it: text, a number, true/false or null.

Dates stay text (no field holds one); other tags are refused. The value is never quoted in a problem:
it may be a secret.
"""

from __future__ import annotations

from typing import Any

import yaml

TAG = "tag:yaml.org,2002:"
PLAIN_TAGS = {TAG + t for t in ("str", "int", "float", "bool", "null")}
TIMESTAMP, STR = TAG + "timestamp", TAG + "str"
REFUSED_TAG_HINT = "remove it: values are text, numbers, true/false, lists and mappings"


def short(tag: str) -> str:
    return tag.replace(TAG, "!!")


def refused_tag(tag: str) -> tuple[str, str]:
    """The problem of a tag the format does not take: (message, hint)."""
    return f"the YAML tag {short(tag)} is not supported", REFUSED_TAG_HINT


class ScalarReader:
    """Resolves and constructs scalars as PyYAML's safe loader does, with one resolver for a file."""

    def __init__(self) -> None:
        self.resolver = yaml.resolver.Resolver()
        self.implicit_starts = {c for c in self.resolver.yaml_implicit_resolvers if c}
        self.constructor = yaml.constructor.SafeConstructor()
        self.constructors = yaml.constructor.SafeConstructor.yaml_constructors

    def read(self, event: yaml.ScalarEvent) -> tuple[Any, tuple[str, str] | None]:
        """The value, and the problem (message, hint) when it is refused (the value is then its text)."""
        tag, value = event.tag, event.value
        if tag is None or tag == "!":
            if not event.implicit[0] or (value and value[0] not in self.implicit_starts):
                return value, None  # quoted, or plain text that no implicit type starts with: the common case
            tag = self.resolver.resolve(yaml.ScalarNode, value, event.implicit)  # type: ignore[no-untyped-call]
            if tag not in PLAIN_TAGS:
                return value, None  # `=`, `<<` and dates written as values are text
        if tag in (TIMESTAMP, STR):
            return value, None
        if tag not in PLAIN_TAGS:
            return value, refused_tag(tag)
        try:
            return self.constructors[tag](self.constructor, yaml.ScalarNode(tag, value)), None
        except (ValueError, KeyError, TypeError, OverflowError, yaml.YAMLError):
            return value, (f"this value cannot be read as {short(tag)}", "quote it to keep it as text, or correct it")
