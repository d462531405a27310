"""Helpers for the run tests: ids of the example world, report parsing."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from clirunner import Result

CONTOSO = "7f0c1c5e-3d2a-4b8e-9f10-0a1b2c3d4e5f"
FABRIKAM = "4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d"
AUTOMATION = "0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811"

RunProfiles = Callable[..., Result]


def report(result: Result) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.out)
    return data


def by_name(result: Result) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in report(result)["profiles"]}
