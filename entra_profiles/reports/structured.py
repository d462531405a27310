"""JSON and YAML reports: the document of reports/model.py, {"profiles": [...], "summary": {...}}.

Both decode to the same data and hold no line a CI agent reads as a command (safetext.py): JSON writes
`#` before `#` as `\u0023`; YAML writes any string that holds a control character, a line separator,
`##` or `::` double-quoted (where it escapes control characters itself, and `#` is written `\x23`),
and never folds a long line.
"""

from __future__ import annotations

import re

import yaml

from entra_profiles.reports.model import Batch, document
from entra_profiles.safetext import UNPRINTABLE, hashes_escaped, json_text

_RISKY = re.compile(f"[{UNPRINTABLE}]|##|::")


class _Dumper(yaml.SafeDumper):
    """safe_dump, with risky strings double-quoted."""


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"' if _RISKY.search(value) else None)


_Dumper.add_representer(str, _string)


def render_json(batch: Batch) -> str:
    return json_text(document(batch))


def render_yaml(batch: Batch) -> str:
    text = yaml.dump(document(batch), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=float("inf"))
    return hashes_escaped(text, "\\x23").rstrip("\n")
