"""HTTP sessions for every request we make: loopback is never proxied, other hosts honour the environment.

requests applies HTTPS_PROXY to every host unless NO_PROXY lists it, loopback included, so a proxy
set for the internet swallowed every request to the local sandbox. Like Go's net/http, we never send
a request for `localhost` or a loopback address through a proxy; every other host follows
HTTPS_PROXY / NO_PROXY as requests reads them. REQUESTS_CA_BUNDLE still applies only where no CA
bundle is passed explicitly (the clients pass the cloud's or the sandbox's).
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from entra_profiles.net.httplog import logged
from entra_profiles.net.loopback import is_loopback as is_loopback  # where callers found it

PROXY_VARIABLES = ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")


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
