"""The one result model every report is rendered from: a batch of profile results, and for a shard what
`report merge` needs to put the shards together again (the selection, K, N, the shard's profiles).

`document()` is that model as plain data, with every value passed through the redactor: the JSON and
YAML reports are this document, and the JUnit, Markdown and HTML reports are rendered from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from entra_profiles.redact import REDACTOR
from entra_profiles.results import ProfileResult

STATUSES = ("ok", "warn", "failed", "interrupted")


@dataclass(frozen=True)
class Shard:
    """Which part of which selection a batch is."""

    index: int  # 1 … count
    count: int
    by: str  # name | tenant
    selection: str  # selection_id(): the selected names, in order, and the file they came from
    selected: list[str]  # every selected name, in order
    members: list[str]  # the names of this shard

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "count": self.count,
            "by": self.by,
            "selection": self.selection,
            "selected": list(self.selected),
            "profiles": list(self.members),
        }


@dataclass
class Batch:
    results: list[ProfileResult]
    shard: Shard | None = None
    generated: datetime = field(default_factory=lambda: datetime.now(UTC))
    title: str = "entra-profiles run"
    fail_on: str = "failed"  # failed | warn: what fails the batch (JUnit then reports warnings as failures)


def summary(results: list[ProfileResult]) -> dict[str, int]:
    """Counts of ok, warn, failed, total; `interrupted` too when Ctrl-C cut the run short."""
    counts = {status: sum(1 for r in results if r.status == status) for status in ("ok", "warn", "failed")}
    interrupted = sum(1 for r in results if r.interrupted)
    if interrupted:
        counts["interrupted"] = interrupted
    return {**counts, "total": len(results)}


def document(batch: Batch) -> dict[str, Any]:
    """{"profiles": [...], "summary": {...}} (and "shard" for a shard), redacted."""
    data: dict[str, Any] = {
        "profiles": [REDACTOR.redact_tree(r.as_dict()) for r in batch.results],  # before YAML folds or escapes
        "summary": summary(batch.results),
    }
    if batch.shard is not None:
        data["shard"] = batch.shard.as_dict()
    return data


def generated_at(batch: Batch) -> str:
    return batch.generated.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
