"""JSON and YAML reports: the document of reports/model.py, {"profiles": [...], "summary": {...}}.

Both decode to the same data and hold no line a CI agent reads as a command (safetext.py): JSON writes
`#` before `#` as `\\u0023`; YAML writes any string that holds a control character, a line separator,
`##` or `::` double-quoted (where it escapes control characters itself, and `#` is written `\\x23`),
and never folds a long line. The text is written by libyaml's emitter where PyYAML was built with it (its
wheels are), else by PyYAML's own; the two write the same data, and libyaml's is several times faster on a
large batch. libyaml writes a character beyond the Basic Multilingual Plane as an escape, double-quoted
(`\\U0001F600`), where PyYAML's writes it as it is.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from entra_profiles.reports.model import Batch, document
from entra_profiles.safetext import UNPRINTABLE, hashes_escaped, json_text

_RISKY = re.compile(f"[{UNPRINTABLE}]|##|::")


_UNFOLDED = 2**31 - 1  # a line width no line reaches (libyaml takes an int)


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"' if _RISKY.search(value) else None)


def _dumper(base: type) -> Any:
    """safe_dump's dumper on `base` (yaml.SafeDumper or yaml.CSafeDumper), with risky strings double-quoted."""
    made: Any = type("Dumper", (base,), {})
    made.add_representer(str, _string)
    return made


_DUMPER = _dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper))


def render_json(batch: Batch) -> str:
    return json_text(document(batch))


def render_yaml(batch: Batch) -> str:
    return yaml_text(document(batch))


def yaml_text(data: Any, base: Any = None) -> str:
    """`data` as the YAML report writes it (with `base`'s emitter: the default one if None)."""
    made = _DUMPER if base is None else _dumper(base)
    text = yaml.dump(data, Dumper=made, sort_keys=False, allow_unicode=True, width=_UNFOLDED)
    return hashes_escaped(text, "\\x23").rstrip("\n")
