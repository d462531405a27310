"""Reports of a batch, all rendered from one result model (reports/model.py): text for people; json and
yaml for programs; junit for CI test tabs; markdown for step summaries; html for a self-contained page."""

from __future__ import annotations

from collections.abc import Callable

from entra_profiles.redact import REDACTOR
from entra_profiles.reports.html import render_html
from entra_profiles.reports.junit import render_junit
from entra_profiles.reports.markdown import render_markdown
from entra_profiles.reports.model import Batch
from entra_profiles.reports.structured import render_json, render_yaml
from entra_profiles.reports.text import render_text


def _text(batch: Batch) -> str:
    """The table and its lines as stdout shows them: redacted (a file gets what stdout would)."""
    return REDACTOR.redact(render_text(batch.results))


FORMATS: dict[str, Callable[[Batch], str]] = {
    "text": _text,
    "json": render_json,
    "yaml": render_yaml,
    "junit": render_junit,
    "markdown": render_markdown,
    "html": render_html,
}
