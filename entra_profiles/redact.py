"""One redactor for every secret the tool learns; all human output and logs pass through it."""

from __future__ import annotations

import threading
from collections.abc import Iterable

MASK = "***"
MIN_LENGTH = 4  # shorter values would mask ordinary words


class Redactor:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._ordered: list[str] = []

    def register(self, value: str | None) -> None:
        """Remember a secret (and each line of a multi-line one)."""
        if not value:
            return
        candidates = {value.strip(), *(line.strip() for line in value.splitlines())}
        with self._lock:
            for c in candidates:
                if len(c) >= MIN_LENGTH and c not in self._secrets:
                    self._secrets.add(c)
            self._ordered = sorted(self._secrets, key=len, reverse=True)

    def register_many(self, values: Iterable[str]) -> None:
        for v in values:
            self.register(v)

    def redact(self, text: str) -> str:
        for secret in self._ordered:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def clear(self) -> None:
        with self._lock:
            self._secrets.clear()
            self._ordered = []


REDACTOR = Redactor()
