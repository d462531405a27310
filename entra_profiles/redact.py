"""One redactor for every secret the tool learns; all human output and logs pass through it.

Linear in the text and independent of how many secrets are known: each secret (in every form it may
be shown in) is filed under its first MIN_LENGTH characters, and a text is read once, each position
looked up in that index. Every span a secret covers is masked, overlapping spans as one. Tokens are
not registered one by one: every JWT is masked by its shape (JWT_RE), wherever it appears.
"""

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


def shown_forms(value: str) -> set[str]:
    """`value` (and each of its lines) as it may be shown: raw, JSON- and YAML-escaped, as Python's
    repr() writes it in an exception message, URL- and form-encoded, in base64."""
    plain = {value.strip(), *(line.strip() for line in value.splitlines())}
    forms = set(plain)
    for c in plain:
        forms |= {json.dumps(c)[1:-1], json.dumps(c, ensure_ascii=False)[1:-1], c.replace("'", "''")}
        forms |= {repr(c)[1:-1], ascii(c)[1:-1], repr(c + '"')[1:-2], repr(c + "'")[1:-2]}
        forms |= url_encoded(c) | base64_forms(c)
    return {f for f in forms if len(f) >= MIN_LENGTH}


class _Bucket:
    """The secrets that start with the same MIN_LENGTH characters, by length: a lookup costs one set
    membership test per distinct length, however many secrets share the start (`bench-secret-1` …)."""

    __slots__ = ("by_length", "lengths")

    def __init__(self) -> None:
        self.lengths: tuple[int, ...] = ()  # longest first; replaced, never changed, after by_length
        self.by_length: dict[int, set[str]] = {}


class Redactor:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index: dict[str, _Bucket] = {}  # redact() reads it without the lock: see _Bucket

    def register(self, value: str | None) -> None:
        """Remember a secret (and each line of a multi-line one). A JWT needs no registering: its shape
        masks it."""
        if not value or JWT_RE.fullmatch(value.strip()):
            return
        forms = shown_forms(value)
        with self._lock:
            for form in forms:
                bucket = self._index.get(form[:MIN_LENGTH])
                if bucket is None:
                    bucket = self._index[form[:MIN_LENGTH]] = _Bucket()
                same = bucket.by_length.get(len(form))
                if same is None:
                    bucket.by_length[len(form)] = {form}
                    bucket.lengths = tuple(sorted(bucket.by_length, reverse=True))
                else:
                    same.add(form)

    def register_many(self, values: Iterable[str]) -> None:
        for v in dict.fromkeys(values):  # the same secret written for many profiles is indexed once
            self.register(v)

    def redact(self, text: str) -> str:
        if self._index and len(text) >= MIN_LENGTH:
            text = self._masked(text)
        return JWT_RE.sub(MASK, text) if "eyJ" in text else text

    def _masked(self, text: str) -> str:
        """`text` with every span that a registered secret covers masked (overlapping spans as one)."""
        index = self._index
        spans: list[list[int]] = []
        for i in range(len(text) - MIN_LENGTH + 1):
            bucket = index.get(text[i : i + MIN_LENGTH])
            if bucket is None:
                continue
            for length in bucket.lengths:
                if text[i : i + length] in bucket.by_length[length]:
                    end = i + length
                    if spans and i < spans[-1][1]:
                        spans[-1][1] = max(spans[-1][1], end)
                    else:
                        spans.append([i, end])
                    break
        if not spans:
            return text
        pieces, at = [], 0
        for start, end in spans:
            pieces += [text[at:start], MASK]
            at = end
        pieces.append(text[at:])
        return "".join(pieces)

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
            self._index = {}


REDACTOR = Redactor()
