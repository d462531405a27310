"""Why a request failed, in words a person can act on: the cause class of a network failure (DNS,
refused, proxy, TLS, timeout, reset), what is wrong with an answer that is not one (HTML, not JSON,
empty, cut short, a redirect, a token without expiry), and whether trying again may help."""

from __future__ import annotations

import json
import re
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Cause:
    """A failure's class (also its failure code), what happened, and what to do about it."""

    code: str  # dns | refused | proxy | tls | timeout | unreachable | malformed_answer
    what: str  # e.g. "connection refused by 127.0.0.1:9"
    hint: str

    def message(self, endpoint: str, budget: float | None = None) -> str:
        """One line naming the endpoint and what happened, e.g. `cannot reach the token endpoint at …: …`."""
        if self.code == "timeout":
            after = f" after {budget:g} s" if budget else ""
            return f"timed out{after} waiting for {endpoint}"
        if self.code == "tls":
            return f"TLS verification failed for {endpoint}: {self.what}"
        if self.code == "malformed_answer":
            return f"{endpoint} {self.what}"
        return f"cannot reach {endpoint}: {self.what}"


def chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and everything it wraps: causes, contexts, and the errors requests, urllib3 and azure-core
    keep in arguments and attributes (MaxRetryError.reason, AzureError.inner_exception)."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo and len(seen) < 32:
        cur = todo.pop(0)
        if id(cur) in seen:
            continue
        seen.add(id(cur))
        yield cur
        linked = [cur.__cause__, cur.__context__, getattr(cur, "reason", None), getattr(cur, "inner_exception", None)]
        linked += list(cur.args)
        todo += [e for e in linked if isinstance(e, BaseException)]


def is_timeout(exc: BaseException) -> bool:
    """A connect or read timeout, or a deadline: not urllib3's NewConnectionError, a TimeoutError subclass."""
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError

    for e in chain(exc):
        if isinstance(e, NewConnectionError):
            continue
        if isinstance(e, TimeoutError | socket.timeout | ReadTimeoutError | ConnectTimeoutError):
            return True
        if type(e).__name__ in ("ServiceRequestTimeoutError", "ServiceResponseTimeoutError", "ReadTimeout"):
            return True
    return False


def network_cause(exc: BaseException, url: str, ca_bundle: str | None, sandbox: bool) -> Cause | None:
    """The cause of a failure to talk to `url`, or None when `exc` is not a network failure."""
    from urllib3.exceptions import NameResolutionError, ProtocolError
    from urllib3.exceptions import ProxyError as Urllib3ProxyError

    from entra_profiles.net.sessions import proxy_for

    errors = list(chain(exc))
    text = " | ".join(f"{type(e).__name__}: {e}" for e in errors)
    host = _host(url)
    proxy = proxy_for(url)
    via = f"the proxy {proxy[1]} (from {proxy[0]})" if proxy else None
    if any(isinstance(e, Urllib3ProxyError) or type(e).__name__ == "ProxyError" for e in errors):
        answer = re.search(r"Tunnel connection failed: (\d{3}[^'\")]*)", text)
        what = f"{via or 'the proxy'} " + (
            f"answered {answer.group(1).strip()}" if answer else "refused the connection"
        )
        hint = f"check {proxy[0] if proxy else 'HTTPS_PROXY'}, or list {host} in NO_PROXY"
        return Cause("proxy", what, hint + "; a sandbox on loopback is never proxied")
    if any(isinstance(e, ssl.SSLCertVerificationError) for e in errors) or "CERTIFICATE_VERIFY_FAILED" in text:
        ca = ca_bundle or "the system trust store"
        return Cause("tls", f"its certificate is not signed by a CA in {ca}", _tls_hint(ca_bundle, sandbox, via))
    if any(isinstance(e, ssl.SSLError) for e in errors):
        return Cause(
            "tls", f"the TLS handshake failed ({_first(errors, ssl.SSLError)})", _tls_hint(ca_bundle, sandbox, via)
        )
    if any(isinstance(e, NameResolutionError | socket.gaierror) for e in errors):
        return Cause(
            "dns",
            f"the host name {host} does not resolve (DNS failure)",
            "check the host name in the profile's cloud and this machine's DNS; behind a proxy set HTTPS_PROXY"
            if not sandbox
            else "check the sandbox's sandbox.json",
        )
    if any(isinstance(e, ConnectionRefusedError) for e in errors) or "Connection refused" in text:
        return Cause(
            "refused",
            f"connection refused by {host}{_port(url)}",
            "is the sandbox still running? start it again with `entra-profiles sandbox serve`"
            if sandbox
            else "nothing listens at that host and port: check the endpoint URL",
        )
    if is_timeout(exc):
        return Cause("timeout", "timed out", "raise --timeout, or check the network" + (f" and {via}" if via else ""))
    if truncated(exc):
        return Cause("malformed_answer", "cut its answer short (the connection closed mid-body)", RETRIED_HINT)
    resets = ("Connection reset", "Connection aborted", "RemoteDisconnected", "closed connection without response")
    if any(isinstance(e, ConnectionResetError | ProtocolError) for e in errors) or any(r in text for r in resets):
        return Cause("unreachable", "the connection was dropped before an answer came", RETRIED_HINT)
    if any(type(e).__module__.startswith(("requests", "urllib3")) and isinstance(e, OSError) for e in errors):
        return Cause("unreachable", _first(errors, OSError), "check the host and the network")
    return None


RETRIED_HINT = "a failure on the way, retried up to --retries times; check the network or the service"


def truncated(exc: BaseException) -> bool:
    """An answer cut short: fewer bytes than its Content-Length, then the connection closed."""
    return any(
        "IncompleteRead" in str(e) or type(e).__name__ in ("IncompleteRead", "IncompleteReadError") for e in chain(exc)
    )


def transient(exc: BaseException, status: int | None = None) -> bool:
    """Worth trying again: throttling, a server error, a dropped connection, a body cut short; never a
    timeout (the deadline is spent), TLS, DNS, a refusal or a proxy that refuses."""
    if status is not None:
        return status in TRANSIENT_STATUS
    cause = network_cause(exc, "", None, False)
    return cause is not None and cause.code in ("unreachable", "malformed_answer")


def answer_problem(status: int, headers: Any, body: bytes, url: str) -> str | None:
    """What is wrong with an answer that should carry JSON (a 2xx) or is not an answer at all (a 3xx);
    None for a well-formed answer or an error status (those are explained by their status)."""
    if 300 <= status < 400:
        location = _shown_url(str(headers.get("Location") or ""))
        return f"redirected (HTTP {status}) to {location or 'nowhere'}; redirects are not followed"
    if not 200 <= status < 300:
        return None
    ctype = str(headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if not body.strip():
        return "answered with an empty body"
    if ctype == "text/html" or body.lstrip()[:1] == b"<":
        return f"answered with an HTML page ({ctype or 'no content type'}), not JSON"
    try:
        data = json.loads(body)
    except ValueError:
        return f"answered with a body that is not valid JSON ({ctype or 'no content type'})"
    if not isinstance(data, dict) or "error" in data:
        return None
    if "access_token" in data and "expires_in" not in data and "expires_on" not in data:
        return "sent a token without expires_in"
    if "/oauth2/" in urlsplit(url).path and not data.get("access_token"):
        return "answered without an access_token"
    return None


def seconds(value: object) -> float | None:
    """A Retry-After header's seconds (None when absent or not a number)."""
    try:
        return max(0.0, float(str(value))) if value is not None and str(value).strip() else None
    except ValueError:
        return None


def _tls_hint(ca_bundle: str | None, sandbox: bool, via: str | None) -> str:
    if sandbox:
        return "the sandbox's CA (ca.pem in its state directory) signs it: is sandbox.json from this sandbox?"
    if ca_bundle:
        return "for a custom cloud set ca_bundle to the CA that signs the server; verification is never switched off"
    inspected = f" ({via} may inspect TLS: trust its CA with REQUESTS_CA_BUNDLE)" if via else ""
    return f"the system trust store does not know the server's CA{inspected}; verification is never switched off"


def _first(errors: list[BaseException], kind: type[BaseException]) -> str:
    found = next((e for e in reversed(errors) if isinstance(e, kind)), errors[-1])
    lines = str(found).strip().splitlines()
    return lines[0][:200] if lines else type(found).__name__


def origin(url: str) -> str:
    """scheme://host[:port] of a URL (never its user, path or query)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unparsable URL)"
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or url
    except ValueError:
        return url


def _port(url: str) -> str:
    try:
        port = urlsplit(url).port
    except ValueError:
        return ""
    return f":{port}" if port else ""


def _shown_url(url: str) -> str:
    """scheme://host[:port]/path of a URL, never its query (which may hold a code or a token)."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(unparsable)"
    return f"{parts.scheme}://{parts.hostname}{port}{parts.path}"[:200] if parts.hostname else parts.path[:200]
