"""--debug's log of HTTP requests: one line each, method, URL without its query, status and time.

Never a body or a header: token requests carry secrets, token answers and vault reads return them, and a
server may echo them. Used by the requests sessions (net/sessions.py) and the light client (net/light.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol, TypeVar
from urllib.parse import urlsplit

LOG = logging.getLogger("entra_profiles.http")


class _HasStatus(Protocol):
    @property
    def status_code(self) -> int: ...


_Answer = TypeVar("_Answer", bound=_HasStatus)


def logged(method: str, url: str, send: Callable[[], _Answer]) -> _Answer:
    """`send()`'s answer; under --debug one line for it: method, URL without its query, status, time."""
    if not LOG.isEnabledFor(logging.DEBUG):
        return send()
    shown, started = without_query(url), time.monotonic()
    try:
        answer = send()
    except Exception as exc:
        LOG.debug("%s %s: %s after %.2f s", method, shown, type(exc).__name__, time.monotonic() - started)
        raise
    LOG.debug("%s %s: HTTP %s in %.2f s", method, shown, answer.status_code, time.monotonic() - started)
    return answer


def without_query(url: str) -> str:
    """`url` as a log may show it: scheme, host, port and path; no user, password, query or fragment."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
        host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname or ""
    except ValueError:
        return "(an unreadable URL)"
    return f"{parts.scheme}://{host}{port}{parts.path}" + ("?…" if parts.query else "")
