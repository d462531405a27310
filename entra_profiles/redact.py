"""One redactor for every secret the tool learns; all human output and logs pass through it."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"
MIN_LENGTH = 4  # shorter values would mask ordinary words
MIN_BASE64_LENGTH = 8  # a base64 form that short could be part of any base64 text
# A JWT: an access token, a client assertion, a CI ID token. None belongs in human output. Linear in
# the text: a match starts only where a run of base64url characters starts (with the characters of the
# run before its first "eyJ", masked too: `\neyJ…`, `%22eyJ…`), and no quantifier gives back what it
# took, so a long run of "eyJeyJ…" is read once, not once from every "eyJ" in it.
JWT_RE = re.compile(
    r"(?<![A-Za-z0-9_-])(?:(?!eyJ)[A-Za-z0-9_-])*+eyJ[A-Za-z0-9_-]{5,}+\.[A-Za-z0-9_-]{5,}+\.[A-Za-z0-9_-]*+"
)
_PERCENT_RE = re.compile("%[0-9A-F]{2}")


def url_encoded(value: str) -> set[str]:
    """The forms a URL or a form body gives `value` (`%2B`, `+` for a space, lower-case hex too), as a
    server that echoes a request shows them. Most secrets have none: their characters need no encoding."""
    forms = {quote(value, safe=""), quote_plus(value), quote(value)}
    return forms | {_PERCENT_RE.sub(lambda m: m.group().lower(), f) for f in forms}


def base64_forms(value: str) -> set[str]:
    """The base64 and base64url text of `value` alone (padded or not), and the part of it that stays the
    same wherever `value` stands inside a longer text that is base64-encoded (one for each of the three
    alignments), as a server that echoes a request or a secret in base64 shows it."""
    raw = value.encode()
    forms = {base64.b64encode(raw).decode()}
    for skip in range(3):  # the bytes before it in its group of three: the first group is left out
        encoded = base64.b64encode(bytes(skip) + raw).decode()
        forms.add(encoded[4 if skip else 0 : (skip + len(raw)) // 3 * 4])
    forms |= {f.rstrip("=") for f in forms}
    forms |= {f.replace("+", "-").replace("/", "_") for f in forms}
    return {f for f in forms if len(f) >= MIN_BASE64_LENGTH}


class Redactor:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._ordered: list[str] = []

    def register(self, value: str | None) -> None:
        """Remember a secret (and each line of a multi-line one)."""
        if not value:
            return
        plain = {value.strip(), *(line.strip() for line in value.splitlines())}
        candidates = set(plain)
        for c in plain:  # as JSON and YAML escape it, and as Python's repr() does in an exception message
            candidates |= {json.dumps(c)[1:-1], json.dumps(c, ensure_ascii=False)[1:-1], c.replace("'", "''")}
            candidates |= {repr(c)[1:-1], ascii(c)[1:-1], repr(c + '"')[1:-2], repr(c + "'")[1:-2]}
            candidates |= url_encoded(c) | base64_forms(c)
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
        return JWT_RE.sub(MASK, text) if "eyJ" in text else text

    def redact_tree(self, data: Any) -> Any:
        """Every string in nested dicts and lists redacted: before a serializer folds or escapes it."""
        if isinstance(data, str):
            return self.redact(data)
        if isinstance(data, dict):
            return {k: self.redact_tree(v) for k, v in data.items()}
        if isinstance(data, list | tuple):
            return [self.redact_tree(v) for v in data]
        return data

    def clear(self) -> None:
        with self._lock:
            self._secrets.clear()
            self._ordered = []


REDACTOR = Redactor()
