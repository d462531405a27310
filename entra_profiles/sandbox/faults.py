"""Fault injection: fixed latency, error statuses, connection resets and slow responses, chosen per
endpoint kind and client id, for the next N requests or a reproducible fraction of them."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Any

from .seed import FaultRule, Faults


@dataclass
class _Live:
    rule: FaultRule
    remaining: int | None


@dataclass(frozen=True)
class Decision:
    """What to do to one request: wait `latency_ms` first, then maybe one fault action."""

    latency_ms: int = 0
    action: str | None = None  # status | reset | slow
    status: int = 503
    retry_after: int | None = None
    delay_ms: int = 0


class FaultEngine:
    """Thread-safe holder of the current fault settings."""

    def __init__(self, faults: Faults | None = None) -> None:
        self._lock = threading.Lock()
        self.configure(faults or Faults())

    def configure(self, faults: Faults) -> None:
        with self._lock:
            self._faults = faults
            self._rng = random.Random(faults.random_seed)
            self._live = [_Live(rule, rule.count) for rule in faults.rules]

    def snapshot(self) -> dict[str, Any]:
        """The current settings, with the remaining count of each rule."""
        with self._lock:
            data = self._faults.model_dump(mode="json")
            for rule, live in zip(data["rules"], self._live, strict=True):
                rule["count"] = live.remaining
            return data

    def decide(self, kind: str, client_id: str | None) -> Decision:
        with self._lock:
            latency = self._faults.latency_ms
            if not self._live:
                return Decision(latency_ms=latency)
            for live in self._live:
                rule = live.rule
                if rule.endpoint not in ("all", kind):
                    continue
                if rule.client_id and (client_id or "").lower() != rule.client_id.lower():
                    continue
                if live.remaining is not None and live.remaining <= 0:
                    continue
                if rule.fraction is not None and self._rng.random() >= rule.fraction:
                    continue
                if live.remaining is not None:
                    live.remaining -= 1
                if rule.action == "latency":
                    latency += rule.delay_ms
                    continue
                retry_after = rule.retry_after
                if retry_after is None and rule.status == 429:
                    retry_after = 1
                return Decision(latency, rule.action, rule.status, retry_after, rule.delay_ms)
            return Decision(latency_ms=latency)
