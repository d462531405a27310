"""HTTP sessions for every request we make: loopback is never proxied, other hosts honour the environment.

requests applies HTTPS_PROXY to every host unless NO_PROXY lists it, loopback included, so a proxy
set for the internet swallowed every request to the local sandbox. Like Go's net/http, we never send
a request for `localhost` or a loopback address through a proxy; every other host follows
HTTPS_PROXY / NO_PROXY as requests reads them. REQUESTS_CA_BUNDLE still applies only where no CA
bundle is passed explicitly (the clients pass the cloud's or the sandbox's).
"""

from __future__ import annotations

import ipaddress
import logging
import os
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

PROXY_VARIABLES = ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")
# --debug logs each request as method, URL without its query, status and time; never a body or a header:
# token requests carry secrets, token answers and vault reads return them, and a server may echo them.
LOG = logging.getLogger("entra_profiles.http")


class _HasStatus(Protocol):
    @property
    def status_code(self) -> int: ...


_Answer = TypeVar("_Answer", bound=_HasStatus)


def is_loopback(url: str) -> bool:
    """Whether `url` names this machine: `localhost` or a loopback address (127.0.0.0/8, ::1)."""
    try:
        host = (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


class LoopbackDirectSession(requests.Session):
    """A requests session that connects to loopback hosts directly, whatever the proxy variables say."""

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if is_loopback(url.decode() if isinstance(url, bytes) else str(url or "")):
            settings["proxies"] = {}
        return settings

    def send(self, request: Any, **kwargs: Any) -> Any:
        send = super().send
        return logged(str(request.method), str(request.url), lambda: send(request, **kwargs))


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


def new_session(pool_size: int = 10) -> requests.Session:
    """A session for our own calls and for azure-core transports: no retries of its own (ours are
    deadline-bound), loopback direct."""
    session = LoopbackDirectSession()
    adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def proxy_for(url: str) -> tuple[str, str] | None:
    """(variable, proxy) when a request for `url` goes through a proxy from the environment; the proxy
    is shown as scheme://host:port, never with a user or password."""
    if is_loopback(url):
        return None
    from requests.utils import get_environ_proxies, select_proxy

    proxy = select_proxy(url, get_environ_proxies(url))
    if not proxy:
        return None
    variable = next((v for v in PROXY_VARIABLES if os.environ.get(v) == proxy), "HTTPS_PROXY")
    try:
        parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        shown = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    except ValueError:
        shown = "(unparsable)"
    return variable, shown
