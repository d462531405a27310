"""Reports of a batch, all rendered from one result model (reports/model.py): text for people; json and
yaml for programs; junit for CI test tabs; markdown for step summaries; html for a self-contained page.

Each renderer's module is imported when its format is asked for: a run ends once its report is out,
and the formats it does not write need not be loaded first."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from entra_profiles.reports.model import Batch

Render = Callable[["Batch"], str]

_RENDERERS: dict[str, tuple[str, str]] = {
    "text": ("entra_profiles.reports", "_text"),
    "json": ("entra_profiles.reports.structured", "render_json"),
    "yaml": ("entra_profiles.reports.structured", "render_yaml"),
    "junit": ("entra_profiles.reports.junit", "render_junit"),
    "markdown": ("entra_profiles.reports.markdown", "render_markdown"),
    "html": ("entra_profiles.reports.html", "render_html"),
}


def _text(batch: Batch) -> str:
    """The table and its lines as stdout shows them: redacted (a file gets what stdout would)."""
    from entra_profiles.redact import REDACTOR
    from entra_profiles.reports.text import render_text

    return REDACTOR.redact(render_text(batch.results))


class _Formats(Mapping[str, Render]):
    """Format name -> renderer, each imported on first use."""

    def __getitem__(self, name: str) -> Render:
        module, attr = _RENDERERS[name]
        render: Render = getattr(importlib.import_module(module), attr)
        return render

    def __iter__(self) -> Iterator[str]:
        return iter(_RENDERERS)

    def __len__(self) -> int:
        return len(_RENDERERS)


FORMATS: Mapping[str, Render] = _Formats()
