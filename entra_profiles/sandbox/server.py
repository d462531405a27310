"""The HTTPS server: TLS per connection in its worker thread, HTTP/1.1 keep-alive, bounded bodies and
read timeouts, routing, fault injection and the request log. Handlers never see sockets."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import traceback
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jwt

from . import admin, arm, ci_oidc, discovery, graph, keyvault, keyvault_listing, managed_identity, tokens
from .faults import Decision, misanswer
from .state import SandboxState
from .wire import Request, Response, Route, error_for_kind

MAX_BODY = 1 << 20
PREFIX_KINDS = (
    ("/vaults/", "keyvault"),
    ("/secrets/", "keyvault"),
    ("/v1.0/", "graph"),
    ("/metadata/endpoints", "arm"),
    ("/subscriptions", "arm"),
    ("/tenants", "arm"),
    ("/metadata/", "managed_identity"),
    ("/msi/", "managed_identity"),
    ("/ci/", "oidc"),
    ("/_sandbox/", "admin"),
)


class _Reset(Exception):
    """Abort the connection with a TCP reset (fault injection)."""


def build_routes(state: SandboxState) -> list[Route]:
    modules = (admin, ci_oidc, discovery, tokens, managed_identity, keyvault_listing, keyvault, graph, arm)
    return [r for module in modules for r in module.routes(state)]


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(
        self, address: tuple[str, int], state: SandboxState, context: ssl.SSLContext, read_timeout: float
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, SandboxHandler)
        self.state, self.context, self.read_timeout = state, context, read_timeout
        self.routes = build_routes(state)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # not HTTPServer's: it does a reverse DNS lookup
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def finish_request(self, request: Any, client_address: Any) -> None:
        """TLS handshake here, in the connection's own thread, so a silent client blocks nobody."""
        request.settimeout(self.read_timeout)
        try:
            conn = self.context.wrap_socket(request, server_side=True)
        except (OSError, ValueError):
            return
        with self._open_lock:
            self._open.add(conn)
        try:
            SandboxHandler(conn, client_address, self)
        except (OSError, ValueError, _Reset):
            pass
        finally:
            with self._open_lock:
                self._open.discard(conn)
            conn.close()

    def close_connections(self) -> None:
        with self._open_lock:
            for conn in list(self._open):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)


def _kind_of(path: str) -> str:
    return next((kind for prefix, kind in PREFIX_KINDS if path.startswith(prefix)), "token")


def _peek_client_id(req: Request) -> str | None:
    """The caller's client id, cheaply, for per-client faults (never verified here)."""
    if req.kind == "token":
        form = req.form() or {}
        return form.get("client_id")
    if req.kind == "managed_identity":
        return req.arg("client_id")
    token = req.bearer()
    if req.kind in ("keyvault", "graph", "arm") and token:
        try:
            return str(jwt.decode(token, options={"verify_signature": False}).get("appid"))
        except jwt.PyJWTError:
            return None
    return None


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "entra-profiles-sandbox"
    sys_version = ""
    server: SandboxServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the JSONL request log replaces the access log

    def __getattr__(self, name: str) -> Callable[[], None]:
        if name.startswith("do_"):
            return self._dispatch  # every method, known or not, is routed (405 rather than 501)
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors the HTTP parser finds (bad request line, too many headers …), in Entra's shape."""
        self.close_connection = True
        req = self._request("/", b"")
        status = code if 400 <= code < 500 else 400
        self._finish(req, error_for_kind(req, status, message or HTTPStatus(status).phrase, []), time.perf_counter())

    def _request(self, path: str, body: bytes) -> Request:
        state = self.server.state
        headers = getattr(self, "headers", None)
        if headers is None:
            import email.message

            headers = email.message.Message()
        method = str(getattr(self, "command", None) or "GET")[:16]
        return Request(method, path, {}, headers, body, state.base_url, _kind_of(path))

    def _dispatch(self) -> None:
        started = time.perf_counter()
        target = "/" + self.path.lstrip("/") if self.path.startswith("/") else self.path  # az sends //metadata/…
        parts = urlsplit(target)
        req = self._request(unquote(parts.path)[:2048] or "/", b"")
        if not target.startswith("/"):
            self.close_connection = True
            return self._finish(req, error_for_kind(req, 400, "The request target must be a path.", []), started)
        try:
            req.query = parse_qs(parts.query, keep_blank_values=True, max_num_fields=100)
        except ValueError:
            return self._finish(req, error_for_kind(req, 400, "Too many query parameters.", []), started)
        problem = self._read_body(req)
        if problem is not None:
            return self._finish(req, problem, started)
        handler = self._route(req)
        if isinstance(handler, Response):
            return self._finish(req, handler, started)
        faults = self.server.state.faults
        decision = faults.decide(req.kind, _peek_client_id(req), req.path) if req.kind != "admin" else None
        response = self._respond(req, handler, decision)
        self._finish(req, response, started, decision)

    def _read_body(self, req: Request) -> Response | None:
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            return error_for_kind(req, 411, "Chunked bodies are not accepted; send Content-Length.", [])
        raw = self.headers.get("Content-Length") or "0"
        if not raw.strip().isdigit():
            self.close_connection = True
            return error_for_kind(req, 400, "The Content-Length header is not a number.", [])
        length = int(raw)
        if length > MAX_BODY:
            self.close_connection = True
            if length <= 16 * MAX_BODY:  # drain a moderately large body so the client can read the 413
                remaining = length
                while remaining > 0:
                    chunk = self.rfile.read(min(65536, remaining))
                    if not chunk:
                        break
                    remaining -= len(chunk)
            return error_for_kind(req, 413, f"The request body is larger than {MAX_BODY} bytes.", [])
        req.body = self.rfile.read(length) if length else b""
        if len(req.body) != length:
            self.close_connection = True
            raise OSError("the client sent less than its Content-Length")
        return None

    def _route(self, req: Request) -> Callable[[Request], Response] | Response:
        allowed: set[str] = set()
        for candidate in self.server.routes:
            found = candidate.pattern.match(req.path)
            if found is None:
                continue
            if req.method in candidate.methods:
                req.kind, req.match = candidate.kind, {k: v for k, v in found.groupdict().items() if v is not None}
                return candidate.handler
            req.kind = candidate.kind
            allowed |= candidate.methods
        if allowed:
            headers = [("Allow", ", ".join(sorted(allowed)))]
            return error_for_kind(req, 405, f"The method {req.method} is not allowed here.", headers)
        return error_for_kind(req, 404, f"The path {req.path[:200]} is not served by the sandbox.", [])

    def _respond(self, req: Request, handler: Callable[[Request], Response], decision: Decision | None) -> Response:
        if decision is not None and decision.latency_ms:
            time.sleep(decision.latency_ms / 1000)
        if decision is not None and decision.action == "reset":
            self.server.state.log.write(method=req.method, path=req.path[:200], kind=req.kind, status=0, fault="reset")
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            raise _Reset()
        if decision is not None and decision.action == "status":
            headers = [("Retry-After", str(decision.retry_after))] if decision.retry_after is not None else []
            return error_for_kind(req, decision.status, "Injected fault.", headers, injected=True)
        try:
            response = handler(req)
        except Exception:  # a bug in a handler: say so, keep serving
            traceback.print_exc(file=sys.stderr)
            return error_for_kind(req, 500, "The sandbox failed to handle this request.", [])
        return misanswer(decision, response, self.server.state.token_signer) if decision is not None else response

    def _finish(self, req: Request, response: Response, started: float, decision: Decision | None = None) -> None:
        truncated = decision is not None and decision.action == "malformed" and decision.body == "truncated"
        if truncated:
            self.close_connection = True  # the body is cut short: this connection cannot carry another answer
        head = [
            f"HTTP/1.1 {response.status} {_phrase(response.status)}",
            f"Content-Type: {response.content_type}",
            f"Content-Length: {len(response.body)}",
            f"Date: {self.date_time_string()}",
            f"Server: {self.server_version}",
        ]
        head += [f"{name}: {value}" for name, value in response.headers]
        if self.close_connection:
            head.append("Connection: close")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + response.body
        # log first: whoever reads the log after the response sees this request in it
        fault = decision.action if decision is not None and decision.action else None
        self.server.state.log.write(
            method=req.method,
            path=req.path[:200],
            kind=req.kind,
            tenant=req.log.get("tenant"),
            client_id=req.log.get("client_id"),
            status=response.status,
            error=req.log.get("error"),
            fault=fault,
            latency_ms=round((time.perf_counter() - started) * 1000, 2),
        )
        if decision is not None and decision.action in ("slow", "trickle"):
            step = max(1, len(data) // 10) if decision.action == "slow" else 1  # trickle: a byte at a time
            pause = decision.delay_ms / (10000 if decision.action == "slow" else 1000)
            for offset in range(0, len(data), step):
                self.wfile.write(data[offset : offset + step])
                self.wfile.flush()
                time.sleep(pause)
        elif truncated:
            self.wfile.write(data[: len(data) - max(1, len(response.body) // 2)])  # then the connection closes
        else:
            self.wfile.write(data)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
