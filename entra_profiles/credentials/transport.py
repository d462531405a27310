"""A transport that records, in the calling profile's Trace, the request on the wire and the answer it got.

azure-identity hands token responses to msal, and a refused token request surfaces as an exception
without its HTTP status. The connecting thread reads the status here to tell throttling (429) and
server errors (5xx), which are worth retrying after Retry-After, from a refusal by Entra; and what was
wrong with an answer msal could not read (HTML, not JSON, a redirect), to say so.
"""

from __future__ import annotations

from typing import Any

from azure.core.pipeline.transport import HttpTransport

from entra_profiles.net.answers import recorded
from entra_profiles.net.shared_fetch import SharedFetches, is_discovery
from entra_profiles.net.trace import trace


class RecordingTransport(HttpTransport):  # type: ignore[type-arg]
    """Records each request and answer in the calling profile's Trace. With `share_discovery`, a
    tenant's OpenID discovery document is fetched once per run and shared (net/shared_fetch.py)."""

    def __init__(self, inner: Any, share_discovery: bool = False) -> None:
        self.inner = inner
        self.share_discovery = share_discovery
        self._discovery: SharedFetches[Any] = SharedFetches(lambda r: 200 <= r.status_code < 300)

    def send(self, request: Any, **kwargs: Any) -> Any:
        url = str(request.url)
        record = trace()
        record.sending = url
        if self.share_discovery and is_discovery(request.method, url):
            response = self._discovery.fetch(url, lambda: _read(self.inner.send(request, **kwargs)))
        else:
            response = self.inner.send(request, **kwargs)
        record.sending = None
        record.last = _recorded(response, url)
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


def _read(response: Any) -> Any:
    """A discovery answer read whole: the shared answer must not depend on a live connection."""
    if 200 <= response.status_code < 300:
        response.body()
    return response


def _recorded(response: Any, url: str) -> Any:
    try:
        body = response.body()
    except Exception:  # a streamed body not read yet: nothing to judge
        body = b""
    return recorded(response.status_code, response.headers, body, url)
