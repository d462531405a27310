"""A transport that records, in the calling profile's Trace, the request on the wire and the answer it got.

azure-identity hands token responses to msal, and a refused token request surfaces as an exception
without its HTTP status. The connecting thread reads the status here to tell throttling (429) and
server errors (5xx), which are worth retrying after Retry-After, from a refusal by Entra; and what was
wrong with an answer msal could not read (HTML, not JSON, a redirect), to say so.
"""

from __future__ import annotations

import contextlib
import json
import threading
from concurrent.futures import Future
from typing import Any

from azure.core.pipeline.transport import HttpTransport

from entra_profiles.net.causes import answer_problem
from entra_profiles.net.trace import LastResponse, trace

DISCOVERY_SUFFIX = "/v2.0/.well-known/openid-configuration"
SHARED_WAIT_S = 10.0  # how long a profile outside any deadline waits for another's discovery fetch


class RecordingTransport(HttpTransport):  # type: ignore[type-arg]
    """Records each request and answer in the calling profile's Trace. With `share_discovery`, a
    tenant's OpenID discovery document (public, the same for every app of the tenant) is fetched once
    per run and handed to every profile of that tenant: msal asks for it once per credential, and a run
    builds one credential per profile. Only a successful answer is shared: a profile whose shared fetch
    failed or is still waiting at half its remaining time fetches on its own."""

    def __init__(self, inner: Any, share_discovery: bool = False) -> None:
        self.inner = inner
        self.share_discovery = share_discovery
        self._discovery: dict[str, Any] = {}
        self._flights: dict[str, Future[Any]] = {}
        self._guard = threading.Lock()

    def send(self, request: Any, **kwargs: Any) -> Any:
        url = str(request.url)
        record = trace()
        record.sending = url
        if self.share_discovery and request.method == "GET" and url.split("?")[0].endswith(DISCOVERY_SUFFIX):
            response = self._discover(url, request, **kwargs)
        else:
            response = self.inner.send(request, **kwargs)
        record.sending = None
        record.last = _recorded(response, url)
        return response

    def _discover(self, url: str, request: Any, **kwargs: Any) -> Any:
        with self._guard:
            cached = self._discovery.get(url)
            if cached is not None:
                return cached
            flight = self._flights.get(url)
            if flight is None:
                flight = self._flights[url] = Future()
                leader = True
            else:
                leader = False
        if not leader:
            deadline = trace().deadline
            patience = SHARED_WAIT_S if deadline is None else deadline.left() / 2
            try:
                response = flight.result(timeout=patience)
                if 200 <= response.status_code < 300:
                    return response
            except Exception:  # the shared fetch failed or stalled: ours is our own
                pass
            return self.inner.send(request, **kwargs)
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


def _recorded(response: Any, url: str) -> LastResponse:
    status = response.status_code
    try:
        body = response.body()
    except Exception:  # a streamed body not read yet: nothing to judge
        body = b""
    said = _explanation(body) if 400 <= status < 500 else None
    problem = answer_problem(status, response.headers, body, url)
    return LastResponse(status, response.headers.get("Retry-After"), url, said, problem)


def _explanation(body: bytes) -> str | None:
    """What a refusal says of itself: OAuth's error_description, or an Azure error's message."""
    try:
        data = json.loads(body[:8192])
    except (ValueError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    nested: dict[str, Any] = data["error"] if isinstance(data.get("error"), dict) else {}
    said = data.get("error_description") or nested.get("message") or data.get("message")
    return said.strip().splitlines()[0][:300] if isinstance(said, str) and said.strip() else None
