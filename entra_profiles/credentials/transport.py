"""A transport that remembers, per thread, the status of the last response it carried.

azure-identity hands token responses to msal, and a refused token request surfaces as an exception
without its HTTP status. The connecting thread reads the status here to tell throttling (429) and
server errors (5xx), which are worth retrying after Retry-After, from a refusal by Entra.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from azure.core.pipeline.transport import HttpTransport

_local = threading.local()


@dataclass(frozen=True)
class LastResponse:
    status: int
    retry_after: str | None
    url: str


def last_response() -> LastResponse | None:
    value: LastResponse | None = getattr(_local, "last", None)
    return value


def forget_last_response() -> None:
    _local.last = None


def remember_last_response(value: LastResponse | None) -> None:
    """Carry a worker thread's last response over to the thread that waited for it."""
    _local.last = value


class RecordingTransport(HttpTransport):  # type: ignore[type-arg]
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def send(self, request: Any, **kwargs: Any) -> Any:
        response = self.inner.send(request, **kwargs)
        _local.last = LastResponse(response.status_code, response.headers.get("Retry-After"), str(request.url))
        return response

    def open(self) -> None:
        self.inner.open()

    def close(self) -> None:
        self.inner.close()

    def sleep(self, duration: float) -> None:
        self.inner.sleep(duration)

    def __enter__(self) -> RecordingTransport:
        self.inner.__enter__()
        return self

    def __exit__(self, *args: Any) -> None:
        self.inner.__exit__(*args)
