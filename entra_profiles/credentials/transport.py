"""A transport that remembers, per thread, the status of the last response it carried.

azure-identity hands token responses to msal, and a refused token request surfaces as an exception
without its HTTP status. The connecting thread reads the status here to tell throttling (429) and
server errors (5xx), which are worth retrying after Retry-After, from a refusal by Entra.
"""

from __future__ import annotations

import contextlib
import json
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from azure.core.pipeline.transport import HttpTransport

_local = threading.local()


@dataclass(frozen=True)
class LastResponse:
    status: int
    retry_after: str | None
    url: str
    said: str | None = None  # a 4xx answer's own explanation (error_description or message), if any


def last_response() -> LastResponse | None:
    value: LastResponse | None = getattr(_local, "last", None)
    return value


def forget_last_response() -> None:
    _local.last = None


def remember_last_response(value: LastResponse | None) -> None:
    """Carry a worker thread's last response over to the thread that waited for it."""
    _local.last = value


DISCOVERY_SUFFIX = "/v2.0/.well-known/openid-configuration"


class RecordingTransport(HttpTransport):  # type: ignore[type-arg]
    """Records each response's status for the calling thread. With `share_discovery`, a tenant's
    OpenID discovery document (public, the same for every app of the tenant) is fetched once per run
    and handed to every profile of that tenant: msal asks for it once per credential, and a run builds
    one credential per profile. Only successful answers are shared; a failure is each profile's own."""

    def __init__(self, inner: Any, share_discovery: bool = False) -> None:
        self.inner = inner
        self.share_discovery = share_discovery
        self._discovery: dict[str, Any] = {}
        self._flights: dict[str, Future[Any]] = {}
        self._guard = threading.Lock()

    def send(self, request: Any, **kwargs: Any) -> Any:
        url = str(request.url)
        if self.share_discovery and request.method == "GET" and url.split("?")[0].endswith(DISCOVERY_SUFFIX):
            response = self._discover(url, request, **kwargs)
        else:
            response = self.inner.send(request, **kwargs)
        said = _explanation(response) if 400 <= response.status_code < 500 else None
        _local.last = LastResponse(response.status_code, response.headers.get("Retry-After"), url, said)
        return response

    def _discover(self, url: str, request: Any, **kwargs: Any) -> Any:
        """One fetch per URL in flight: the profiles that ask meanwhile get its answer, or its error.
        Only a successful answer is kept for the profiles that ask later."""
        with self._guard:
            cached = self._discovery.get(url)
            if cached is not None:
                return cached
            flight = self._flights.get(url)
            leader = flight is None
            if flight is None:
                flight = self._flights[url] = Future()
        if not leader:
            return flight.result()
        try:
            response = self.inner.send(request, **kwargs)
            if 200 <= response.status_code < 300:
                response.body()  # read now: the shared answer must not depend on a live connection
                with self._guard:
                    self._discovery[url] = response
            flight.set_result(response)
            return response
        except BaseException as exc:
            flight.set_exception(exc)
            raise
        finally:
            with self._guard:
                self._flights.pop(url, None)

    def prefetch_discovery(self, authority_host: str, tenant: str) -> None:
        """Fetch a tenant's discovery document ahead of its profiles (errors are theirs to meet)."""
        from azure.core.rest import HttpRequest

        with contextlib.suppress(Exception):
            self.send(HttpRequest("GET", f"{authority_host}/{tenant}{DISCOVERY_SUFFIX}"))

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


def _explanation(response: Any) -> str | None:
    """What a refusal says of itself: OAuth's error_description, or an Azure error's message."""
    try:
        data = json.loads(response.body()[:8192])
    except (ValueError, TypeError, AttributeError):
        return None
    if not isinstance(data, dict):
        return None
    nested: dict[str, Any] = data["error"] if isinstance(data.get("error"), dict) else {}
    said = data.get("error_description") or nested.get("message") or data.get("message")
    return said.strip().splitlines()[0][:300] if isinstance(said, str) and said.strip() else None
