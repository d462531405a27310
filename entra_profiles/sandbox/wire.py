"""Plain request and response values, the route table, and the error bodies of each service."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import parse_qs

JSON = "application/json; charset=utf-8"


@dataclass
class Request:
    method: str
    path: str  # percent-decoded, without the query
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    base_url: str  # https://127.0.0.1:PORT
    kind: str = "other"  # endpoint kind, for faults and the log
    match: dict[str, str] = field(default_factory=dict)
    log: dict[str, Any] = field(default_factory=dict)  # tenant, client_id, error for the request log

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def header(self, name: str) -> str | None:
        value = self.headers.get(name)
        return str(value) if value is not None else None

    def form(self) -> dict[str, str] | None:
        """The url-encoded form body, or None when the body is not one."""
        ctype = (self.header("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            return None
        try:
            text = self.body.decode("utf-8", errors="strict")
            parsed = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=100)
        except (UnicodeDecodeError, ValueError):
            return None
        return {k: v[0] for k, v in parsed.items()}

    def bearer(self) -> str | None:
        auth = self.header("Authorization") or ""
        scheme, _, token = auth.partition(" ")
        return token.strip() or None if scheme.lower() == "bearer" else None


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = JSON
    headers: list[tuple[str, str]] = field(default_factory=list)


def json_response(status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, json.dumps(payload, separators=(",", ":")).encode(), JSON, headers or [])


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    kind: str
    methods: frozenset[str]
    pattern: re.Pattern[str]
    handler: Handler


def route(kind: str, methods: str, pattern: str, handler: Handler) -> Route:
    return Route(kind, frozenset(methods.split()), re.compile(pattern + r"\Z"), handler)


GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
NO_STORE = [("Cache-Control", "no-store, no-cache"), ("Pragma", "no-cache")]
MALFORMED, SERVICE_ERROR = 9002313, 50000  # Entra's codes for a request it cannot read, and for its own failure


def _timestamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def request_ids(request: Request) -> tuple[str, str]:
    """(trace id, correlation id) of a token-service answer: the correlation id is the client's
    `client-request-id` when it sent a GUID there, as Entra echoes it."""
    sent = (request.header("client-request-id") or "").strip()
    return str(uuid.uuid4()), sent if GUID.match(sent) else str(uuid.uuid4())


def entra_headers(trace_id: str, correlation_id: str) -> list[tuple[str, str]]:
    return [("client-request-id", correlation_id), ("x-ms-request-id", trace_id)]


def entra_error(
    request: Request, status: int, error: str, code: int | None, message: str, extra: dict[str, Any] | None = None
) -> Response:
    """An error in the token service's shape: AADSTS code first, then trace and correlation ids, with the
    headers Entra sends. `code` is None only for injected faults, which stand for a failure in front of
    Entra (a gateway's 503, throttling) rather than an answer of Entra itself."""
    (trace_id, correlation), stamp = request_ids(request), _timestamp()
    prefix = f"AADSTS{code}: " if code is not None else ""
    body: dict[str, Any] = {
        "error": error,
        "error_description": f"{prefix}{message} Trace ID: {trace_id} Correlation ID: {correlation} Timestamp: {stamp}",
        "error_codes": [code] if code is not None else [],
        "timestamp": stamp,
        "trace_id": trace_id,
        "correlation_id": correlation,
    }
    if code is not None:
        body["error_uri"] = f"{request.base_url}/error?code={code}"
    body.update(extra or {})
    request.log["error"] = f"AADSTS{code}" if code is not None else error
    return json_response(status, body, [*entra_headers(trace_id, correlation), *NO_STORE])


def keyvault_error(
    request: Request, status: int, code: str, message: str, inner: str | None = None, **kw: Any
) -> Response:
    error: dict[str, Any] = {"code": code, "message": message}
    if inner:
        error["innererror"] = {"code": inner}
    request.log["error"] = inner or code
    return json_response(status, {"error": error}, kw.get("headers"))


def graph_error(request: Request, status: int, code: str, message: str, **kw: Any) -> Response:
    inner = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        "request-id": str(uuid.uuid4()),
        "client-request-id": request.header("client-request-id") or str(uuid.uuid4()),
    }
    request.log["error"] = code
    return json_response(status, {"error": {"code": code, "message": message, "innerError": inner}}, kw.get("headers"))


def arm_error(request: Request, status: int, code: str, message: str, **kw: Any) -> Response:
    request.log["error"] = code
    return json_response(status, {"error": {"code": code, "message": message}}, kw.get("headers"))


def simple_error(request: Request, status: int, error: str, message: str) -> Response:
    """The admin API's and the managed identity endpoints' shape: `error` and `error_description`."""
    request.log["error"] = error
    return json_response(status, {"error": error, "error_description": message})


def error_for_kind(
    request: Request, status: int, message: str, headers: list[tuple[str, str]], *, injected: bool = False
) -> Response:
    """A generic error (fault injection, 404, 405, 413) in the shape of the endpoint's service."""
    names = {400: "BadRequest", 404: "NotFound", 405: "MethodNotAllowed", 413: "RequestEntityTooLarge"}
    names.update({429: "TooManyRequests", 500: "InternalServerError", 503: "ServiceUnavailable"})
    code = names.get(status, f"Http{status}")
    if request.kind == "keyvault":
        response = keyvault_error(request, status, code, message)
    elif request.kind == "graph":
        response = graph_error(request, status, code, message)
    elif request.kind == "arm":
        response = arm_error(request, status, code, message)
    elif request.kind in ("managed_identity", "admin"):
        response = simple_error(request, status, code[0].lower() + code[1:], message)
    elif request.kind == "oidc":
        request.log["error"] = code
        response = json_response(status, {"message": message})
    else:
        error = "temporarily_unavailable" if status in (429, 503) else "invalid_request"
        error = "server_error" if status == 500 else error
        aadsts = None if injected else SERVICE_ERROR if status >= 500 else MALFORMED
        response = entra_error(request, status, error, aadsts, message)
        request.log["error"] = f"AADSTS{aadsts}" if aadsts else code
    response.headers.extend(headers)
    return response
