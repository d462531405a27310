"""JSON and YAML reports: {"profiles": [...], "summary": {"ok", "failed", ["interrupted",] "total"}}.

Both decode to the same data and hold no line a CI agent reads as a command (safetext.py): JSON writes
`#` before `#` as `\u0023`; YAML writes any string that holds a control character, a line separator,
`##` or `::` double-quoted (where it escapes control characters itself, and `#` is written `\x23`),
and never folds a long line.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from entra_profiles.redact import REDACTOR
from entra_profiles.results import ProfileResult
from entra_profiles.safetext import UNPRINTABLE, hashes_escaped, json_text

_RISKY = re.compile(f"[{UNPRINTABLE}]|##|::")


class _Dumper(yaml.SafeDumper):
    """safe_dump, with risky strings double-quoted."""


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"' if _RISKY.search(value) else None)


_Dumper.add_representer(str, _string)


def document(results: list[ProfileResult]) -> dict[str, Any]:
    """`summary` counts ok, failed and total; `interrupted` too when Ctrl-C cut the run short."""
    ok = sum(1 for r in results if r.ok)
    interrupted = sum(1 for r in results if r.interrupted)
    summary = {"ok": ok, "failed": len(results) - ok - interrupted}
    if interrupted:
        summary["interrupted"] = interrupted
    return {
        "profiles": [REDACTOR.redact_tree(r.as_dict()) for r in results],  # before YAML folds or escapes
        "summary": {**summary, "total": len(results)},
    }


def render_json(results: list[ProfileResult]) -> str:
    return json_text(document(results))


def render_yaml(results: list[ProfileResult]) -> str:
    text = yaml.dump(document(results), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=float("inf"))
    return hashes_escaped(text, "\\x23").rstrip("\n")
