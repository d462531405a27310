"""JSON and YAML reports: {"profiles": [...], "summary": {"ok", "failed", ["interrupted",] "total"}}."""

from __future__ import annotations

import json
from typing import Any

import yaml

from entra_profiles.redact import REDACTOR
from entra_profiles.results import ProfileResult


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
    return json.dumps(document(results), indent=2)


def render_yaml(results: list[ProfileResult]) -> str:
    return yaml.safe_dump(document(results), sort_keys=False, allow_unicode=True).rstrip("\n")
