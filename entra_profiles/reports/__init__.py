"""Reports of a run: text for people, json and yaml for programs (registry: FORMATS)."""

from __future__ import annotations

from collections.abc import Callable

from entra_profiles.reports.structured import render_json, render_yaml
from entra_profiles.reports.text import render_text
from entra_profiles.results import ProfileResult

FORMATS: dict[str, Callable[[list[ProfileResult]], str]] = {
    "text": render_text,
    "json": render_json,
    "yaml": render_yaml,
}
