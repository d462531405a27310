"""The direct (unproxied) connections of a run's HTTP client: http.client, the standard library's HTTP/1.1
client, one kept-alive connection per request in flight, reused by origin.

urllib3's pool and response layers cost about 0.35 ms of CPU per request over http.client's own work
(measured on kept-alive loopback TLS: 0.83 against 0.49 ms), for retries, redirects, proxies and
streaming that a token request never uses: a batch of 200 profiles spent ~85 ms of its one busy core
there. Proxied origins stay on urllib3 (net/light.py). Failures are raised as urllib3 raises them, so
that net/causes.py explains them alike: a connection that cannot be made as NewConnectionError (or
NameResolutionError), a TLS failure as SSLError (ssl's own is also a ValueError, which msal's discovery
takes for a malformed answer), timeouts as ConnectTimeoutError or ReadTimeoutError, a connection dropped
mid-request as ProtocolError. A host name is looked up with a bounded wait (net/resolve.py).
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.util.wait import wait_for_read

from entra_profiles.net.resolve import connect
from entra_profiles.net.trace import watched

Origin = tuple[str, str, int]  # scheme, host, port


class KeptAlive:
    """Connections by origin, at most `size` idle ones each kept for the next request."""

    def __init__(self, tls: Callable[[], ssl.SSLContext], read_timeout: float, size: int) -> None:
        self._tls, self._read_timeout, self._size = tls, read_timeout, size
        self._idle: dict[Origin, list[http.client.HTTPConnection]] = {}
        self._sessions: dict[Origin, ssl.SSLSession] = {}  # a TLS session to resume, by origin
        self._lock = threading.Lock()
        self._closed = False

    def request(
        self, method: str, url: str, body: bytes | None, headers: Mapping[str, str], connect_timeout: float
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        """Status, headers and the whole body of one request."""
        parts = urlsplit(url)
        scheme, host = parts.scheme, parts.hostname or ""
        origin = (scheme, host, parts.port or (443 if scheme == "https" else 80))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn = self._take(origin)
        if conn is None:
            conn = self._open(origin, connect_timeout)
        else:
            watched(conn.sock)  # a kept-alive connection: the profile's deadline can cut it
        try:
            conn.request(method, target, body=body, headers=dict(headers))
            answer = conn.getresponse()
            content = _decoded(answer.read(), answer.headers)
        except BaseException as exc:
            conn.close()
            if isinstance(exc, ssl.SSLError):
                raise SSLError(exc) from exc
            if isinstance(exc, TimeoutError):
                message = f"Read timed out. (read timeout={self._read_timeout})"
                raise ReadTimeoutError(_Where(host, origin[2]), url, message) from exc  # type: ignore[arg-type]
            if isinstance(exc, http.client.HTTPException | OSError):
                raise ProtocolError(f"Connection aborted: {exc!r}", exc) from exc
            raise
        if origin not in self._sessions and isinstance(conn.sock, ssl.SSLSocket):
            self._remember(origin, conn.sock.session)
        if answer.will_close:
            conn.close()
        else:
            self._give_back(origin, conn)
        return answer.status, answer.headers, content

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle = [c for conns in self._idle.values() for c in conns]
            self._idle.clear()
        for conn in idle:
            conn.close()

    def _take(self, origin: Origin) -> http.client.HTTPConnection | None:
        """An idle connection the server has not closed meanwhile (it would be readable: EOF)."""
        while True:
            with self._lock:
                idle = self._idle.get(origin)
                conn = idle.pop() if idle else None
            if conn is None or (conn.sock is not None and not wait_for_read(conn.sock, timeout=0.0)):
                return conn
            conn.close()

    def _remember(self, origin: Origin, session: ssl.SSLSession | None) -> None:
        """A session the server gave a ticket for (TLS 1.3 sends it after the handshake: it is there once
        an answer was read), for the connections opened next to resume it."""
        if session is not None and session.has_ticket:
            with self._lock:
                self._sessions[origin] = session

    def _give_back(self, origin: Origin, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(origin, [])
            if not self._closed and len(idle) < self._size:
                idle.append(conn)
                return
        conn.close()

    def _open(self, origin: Origin, connect_timeout: float) -> http.client.HTTPConnection:
        scheme, host, port = origin
        conn: http.client.HTTPConnection
        if scheme == "https":
            with self._lock:
                session = self._sessions.get(origin)
            conn = _HTTPS(host, port, connect_timeout, self._read_timeout, self._tls(), session)
        else:
            conn = _HTTP(host, port, connect_timeout, self._read_timeout)
        conn.connect()
        return conn


def _connected(host: str, port: int, timeout: float) -> socket.socket:
    """A TCP connection within `timeout`, watched by the profile's deadline from then on."""
    sock = open_socket(host, port, timeout, _Where(host, port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return watched(sock)


def open_socket(
    host: str,
    port: int,
    timeout: float,
    where: Any,
    source_address: tuple[str, int] | None = None,
    socket_options: Sequence[tuple[int, int, int | bytes]] | None = None,
) -> socket.socket:
    """A TCP connection to `host` within `timeout`, its name looked up with a bounded wait
    (net/resolve.py); failures as urllib3 raises them, naming `where` (a connection, or host:port)."""
    try:
        return connect(host, port, timeout, source_address, socket_options)
    except socket.gaierror as exc:
        raise NameResolutionError(host, where, exc) from exc
    except TimeoutError as exc:
        raise ConnectTimeoutError(where, f"Connection to {host} timed out. (connect timeout={timeout})") from exc
    except OSError as exc:
        raise NewConnectionError(where, f"Failed to establish a new connection: {exc}") from exc


class _OneWrite:
    """A request sent in one write, its line, headers and body together, where http.client writes the body
    on its own: with TLS each write is a record, and Python first waits on each one for the socket to take
    it (a poll), two system calls in which another thread takes the interpreter from this one."""

    _buffer: list[bytes]

    def _send_output(self, message_body: Any = None, encode_chunked: bool = False) -> None:
        if isinstance(message_body, bytes) and not encode_chunked:
            self._buffer.extend((b"", b""))
            request = b"\r\n".join(self._buffer) + message_body
            del self._buffer[:]
            self.send(request)  # type: ignore[attr-defined]
            return
        super()._send_output(message_body, encode_chunked)  # type: ignore[misc]


class _HTTP(_OneWrite, http.client.HTTPConnection):
    def __init__(self, host: str, port: int, connect_timeout: float, read_timeout: float) -> None:
        super().__init__(host, port, timeout=connect_timeout)
        self._connect_timeout, self._read_timeout = connect_timeout, read_timeout

    def connect(self) -> None:
        self.sock = _connected(self.host, self.port, self._connect_timeout)
        self.sock.settimeout(self._read_timeout)


class _HTTPS(_OneWrite, http.client.HTTPSConnection):
    """TLS with the run's context (CA bundle, hostname checked); the handshake keeps to the connect timeout
    and the profile's deadline can cut it. It resumes the origin's last session where there is one (the
    server checked then, against the same context: no certificate to verify again, no signature for the
    server to make; a server that declines it gets a full handshake)."""

    def __init__(
        self,
        host: str,
        port: int,
        connect_timeout: float,
        read_timeout: float,
        context: ssl.SSLContext,
        session: ssl.SSLSession | None,
    ) -> None:
        super().__init__(host, port, timeout=connect_timeout, context=context)
        self._connect_timeout, self._read_timeout, self._tls_context = connect_timeout, read_timeout, context
        self._session = session

    def connect(self) -> None:
        context = self._tls_context
        if context.verify_mode != ssl.CERT_REQUIRED or not context.check_hostname:  # never, whoever changed it
            raise SSLError(f"refusing to connect to {self.host}: TLS verification is off in this context")
        raw = _connected(self.host, self.port, self._connect_timeout)
        try:
            tls = self._tls_context.wrap_socket(
                raw, server_hostname=self.host, do_handshake_on_connect=False, session=self._session
            )
        except BaseException:
            raw.close()
            raise
        try:
            watched(tls).do_handshake()
        except BaseException as exc:
            tls.close()
            if isinstance(exc, ssl.SSLError):  # also a ValueError, which msal's discovery would swallow
                raise SSLError(exc) from exc
            if isinstance(exc, TimeoutError):
                message = f"TLS handshake with {self.host} timed out. (connect timeout={self._connect_timeout})"
                raise ConnectTimeoutError(message) from exc
            raise
        tls.settimeout(self._read_timeout)
        self.sock = tls


def _decoded(body: bytes, headers: http.client.HTTPMessage) -> bytes:
    """The body as urllib3 gives it: gzip and deflate undone (nothing asks for them: servers rarely send
    them), DecodeError when it is not what its Content-Encoding says."""
    encoding = (headers.get("Content-Encoding") or "").strip().lower()
    try:
        if encoding in ("gzip", "x-gzip"):
            return zlib.decompress(body, 16 + zlib.MAX_WBITS)
        if encoding == "deflate":
            try:
                return zlib.decompress(body)
            except zlib.error:
                return zlib.decompress(body, -zlib.MAX_WBITS)
    except zlib.error as exc:
        raise DecodeError(f"Received response with content-encoding: {encoding}, but failed to decode it.") from exc
    return body


class _Where:
    """Where a connection goes, as urllib3's errors name the connection or pool they concern."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"
