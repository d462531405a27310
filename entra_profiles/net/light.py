"""msal's HTTP client for the profiles of a run, one per CA bundle, shared by every profile: kept-alive
http.client connections for the origins reached directly (net/kept_alive.py), urllib3's proxy pools for
the others; each request recorded in the calling profile's Trace.

What a general HTTP stack does per request and a token request needs once per run is done once: the
proxy of each host is looked up once (loopback never proxied, other hosts as requests reads
HTTPS_PROXY/NO_PROXY), the CA bundle is read once; no cookie jar is shared between profiles, no
redirect is followed, no retry is made (ours are deadline-bound: see run/connect.py).
"""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import sys
import threading
from collections.abc import Mapping
from http.client import HTTPMessage
from typing import Any
from urllib.parse import urlencode, urlsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from entra_profiles.net.answers import recorded
from entra_profiles.net.httplog import logged
from entra_profiles.net.kept_alive import KeptAlive, open_socket
from entra_profiles.net.loopback import is_loopback
from entra_profiles.net.shared_fetch import DISCOVERY_SUFFIX, SharedFetches, is_discovery
from entra_profiles.net.trace import LastResponse, trace, watched

USER_AGENT = "entra-profiles (msal)"
CONNECT_TIMEOUT_S = 10.0  # a proxy connection's name lookup, when urllib3 was given no connect timeout


class LightResponse:
    """An answer as msal reads it (the shape of requests' Response that msal uses), read whole."""

    __slots__ = ("content", "headers", "seen", "status_code")

    def __init__(self, status_code: int, headers: Mapping[str, str] | HTTPMessage, content: bytes) -> None:
        self.status_code, self.headers, self.content = status_code, headers, content
        self.seen: LastResponse | None = None  # what a Trace keeps of it, worked out once (net/answers.py)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def raise_for_status(self) -> None:
        """As azure-identity's client raises it, so that a failure reads the same whichever made it."""
        import json

        from entra_profiles.credentials.confidential import authentication_failed

        if self.status_code < 400:
            return
        try:
            content = json.loads(self.content)
        except ValueError:
            content = None
        if isinstance(content, dict) and ("error" in content or "error_description" in content):
            message = f"Authentication failed: {content.get('error_description') or content.get('error')}"
        else:
            message = "Unexpected response from Microsoft Entra ID"
        raise authentication_failed(message)


class LightHttp:
    """The HTTP client every msal application of a run shares for one CA bundle (None: the system's)."""

    def __init__(
        self, ca_bundle: str | None, connect_timeout: float, read_timeout: float, pool_size: int, share: bool = True
    ) -> None:
        self._ca_bundle = ca_bundle
        self._tls: ssl.SSLContext | None = None  # one TLS context for every connection, made on first use
        self._connect_timeout, self._read_timeout = connect_timeout, read_timeout
        self._pool_size = pool_size
        self._direct = KeptAlive(self._context, read_timeout, pool_size)  # origins reached without a proxy
        self._managers: dict[str, urllib3.ProxyManager] = {}  # by proxy URL
        self._proxies: dict[str, str | None] = {}  # by scheme://host:port
        self._lock = threading.Lock()
        self._discovery: SharedFetches[LightResponse] | None = (
            SharedFetches(lambda r: 200 <= r.status_code < 300) if share else None
        )

    def post(
        self,
        url: str,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | str | None = None,
        headers: Mapping[str, str] | None = None,
        **_: Any,
    ) -> LightResponse:
        sent = dict(headers or {})
        body: bytes | None = None
        if isinstance(data, Mapping):
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(data).encode()
        elif isinstance(data, str):
            body = data.encode("utf-8")
        return self._send("POST", _with(url, params), body, sent)

    def get(
        self, url: str, params: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None, **_: Any
    ) -> LightResponse:
        target = _with(url, params)
        if self._discovery is not None and is_discovery("GET", target):
            record = trace()
            answer = self._discovery.fetch(target, lambda: self._send("GET", target, None, dict(headers or {})))
            record.sending, record.last = None, answer.seen  # the same answer to the same URL: read once
            return answer
        return self._send("GET", target, None, dict(headers or {}))

    def prefetch_discovery(self, authority_host: str, tenant: str) -> None:
        """Fetch a tenant's discovery document ahead of its profiles (errors are theirs to meet)."""
        with contextlib.suppress(Exception):
            self.get(f"{authority_host}/{tenant}{DISCOVERY_SUFFIX}")

    def _send(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> LightResponse:
        record = trace()
        record.sending = url  # kept when the request fails: the failure names the endpoint
        if record.aborted:  # the profile's deadline passed: no new request
            from entra_profiles.deadlines import DeadlineExceeded

            raise DeadlineExceeded("the profile's --timeout ran out")
        headers.setdefault("User-Agent", USER_AGENT)
        try:
            answer = logged(method, url, lambda: self._urlopen(method, url, body, headers))
        finally:
            record.sock = None
        record.sending = None
        record.last = answer.seen = recorded(answer.status_code, answer.headers, answer.content, url)
        return answer

    def _urlopen(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> LightResponse:
        connect, deadline = self._connect_timeout, trace().deadline
        if deadline is not None:  # the watchdog reaches a socket once connected: its connect keeps to the deadline
            connect = min(self._connect_timeout, max(0.01, deadline.left()))
        manager = self._manager(url)
        if manager is None:
            status, headers_in, content = self._direct.request(method, url, body, headers, connect)
            return LightResponse(status, headers_in, content)
        timeout = urllib3.Timeout(connect=connect, read=self._read_timeout)
        raw = manager.urlopen(method, url, body=body, headers=headers, redirect=False, retries=False, timeout=timeout)
        return LightResponse(raw.status, raw.headers, raw.data)

    def _manager(self, url: str) -> urllib3.ProxyManager | None:
        """The proxy's pool manager for `url`'s origin, or None: a direct connection (self._direct)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            if origin not in self._proxies:
                self._proxies[origin] = _proxy(url)
            proxy = self._proxies[origin]
            if proxy is None:
                return None
            manager = self._managers.get(proxy)
            if manager is None:
                headers = None
                auth = urlsplit(proxy)
                if auth.username:
                    from urllib.parse import unquote

                    basic = f"{unquote(auth.username)}:{unquote(auth.password or '')}"
                    headers = urllib3.make_headers(proxy_basic_auth=basic)
                manager = urllib3.ProxyManager(
                    proxy,
                    proxy_headers=headers,
                    num_pools=16,
                    maxsize=self._pool_size,
                    retries=False,
                    cert_reqs="CERT_REQUIRED",
                    ssl_context=_trust(self._ca_bundle),  # its own: urllib3 may change a context it is given
                )
                manager.pool_classes_by_scheme = WATCHED_POOLS
                self._managers[proxy] = manager
            return manager

    def _context(self) -> ssl.SSLContext:
        with self._lock:
            if self._tls is None:
                self._tls = _trust(self._ca_bundle)
            return self._tls

    def close(self) -> None:
        self._direct.close()
        with self._lock:
            for manager in self._managers.values():
                manager.clear()
            self._managers.clear()


def _proxy_socket(conn: HTTPConnection) -> socket.socket:
    """urllib3's HTTPConnection._new_conn with the proxy's name looked up by net/resolve.py: a resolver
    that hangs fails the connection within its connect timeout, as the connection itself would."""
    timeout = conn.timeout if isinstance(conn.timeout, int | float) else CONNECT_TIMEOUT_S
    sock = open_socket(conn._dns_host, conn.port or 443, timeout, conn, conn.source_address, conn.socket_options)
    sys.audit("http.client.connect", conn, conn.host, conn.port)
    return sock


class _WatchedHTTP(HTTPConnection):
    def _new_conn(self) -> Any:
        return watched(_proxy_socket(self))

    def request(self, *args: Any, **kwargs: Any) -> None:
        if self.sock is not None:  # a kept-alive connection
            watched(self.sock)
        super().request(*args, **kwargs)


class _WatchedHTTPS(HTTPSConnection):
    def _new_conn(self) -> Any:
        return watched(_proxy_socket(self))

    def request(self, *args: Any, **kwargs: Any) -> None:
        if self.sock is not None:
            watched(self.sock)
        super().request(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTP


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPS


WATCHED_POOLS: dict[str, type[HTTPConnectionPool]] = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


def _with(url: str, params: Mapping[str, str] | None) -> str:
    if not params:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


def _trust(ca_bundle: str | None) -> ssl.SSLContext:
    """One TLS context, the CA bundle read once: the given one; else, as requests does, REQUESTS_CA_BUNDLE
    or CURL_CA_BUNDLE, else certifi's. Verification is never switched off. A bundle that cannot be read
    fails as urllib3 fails it, as a TLS error."""
    from urllib3.exceptions import SSLError
    from urllib3.util.ssl_ import create_urllib3_context

    path = ca_bundle or os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if not path:
        from requests.utils import DEFAULT_CA_BUNDLE_PATH

        path = DEFAULT_CA_BUNDLE_PATH
    context = create_urllib3_context()
    try:
        context.load_verify_locations(capath=path) if os.path.isdir(path) else context.load_verify_locations(path)
    except OSError as exc:
        raise SSLError(exc) from exc
    return context


def _proxy(url: str) -> str | None:
    """The proxy requests would use for `url` (HTTPS_PROXY, NO_PROXY …); never one for loopback."""
    if is_loopback(url):
        return None
    from requests.utils import get_environ_proxies, select_proxy

    proxy = select_proxy(url, get_environ_proxies(url))
    if proxy and "://" not in proxy:
        proxy = f"http://{proxy}"
    return proxy or None
