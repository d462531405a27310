"""Turn what azure-identity, msal and the network raise into a Failure a person can act on."""

from __future__ import annotations

import re
from typing import Any

from entra_profiles.aadsts import explain, find_code
from entra_profiles.credentials.transport import last_response
from entra_profiles.errors import EntraProfilesError, first_line
from entra_profiles.results import Failure, ProfileFailed
from entra_profiles.routing import Route

RETRYABLE_STATUS = {408, 429, 500, 502, 503, 504}


def status_of(exc: BaseException) -> int | None:
    """The HTTP status behind an exception: its own response's, or the last one this thread received."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if isinstance(status, int):
        return status
    last = last_response()
    if last is not None and last.status >= 400:
        return last.status
    match = re.search(r"HTTP Error: (\d{3})", str(exc))  # msal's words for a non-OAuth error answer
    return int(match.group(1)) if match else None


def retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    last = last_response()
    if value is None and last is not None and last.status >= 400:
        value = last.retry_after
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def is_tls(exc: BaseException) -> bool:
    text = _chain_text(exc)
    return "CERTIFICATE_VERIFY_FAILED" in text or "SSLError" in text or "SSL:" in text


def is_timeout(exc: BaseException) -> bool:
    from azure.core.exceptions import ServiceRequestTimeoutError, ServiceResponseTimeoutError

    return isinstance(exc, ServiceRequestTimeoutError | ServiceResponseTimeoutError | TimeoutError) or (
        "timed out" in _chain_text(exc).lower()
    )


def is_retryable(exc: BaseException) -> bool:
    """Throttling, server errors and dropped connections; never TLS or a refusal by Entra."""
    from azure.core.exceptions import ServiceRequestError, ServiceResponseError

    if isinstance(exc, ProfileFailed | TimeoutError) or is_tls(exc):
        return False
    status = status_of(exc)
    if status is not None:
        return status in RETRYABLE_STATUS
    if find_code(str(exc)):
        return False
    text = _chain_text(exc)
    if re.search(r"\b(429|500|502|503|504)\b", text) and ("status" in text.lower() or "Service" in text):
        return True
    return any(isinstance(e, ServiceRequestError | ServiceResponseError | ConnectionError) for e in _chain(exc)) or (
        "Connection aborted" in text or "RemoteDisconnected" in text or "Connection reset" in text
    )


def classify(exc: BaseException, route: Route, stage: str, timeout: float | None = None) -> Failure:
    """The failure to report for an exception raised while connecting."""
    for cause in _chain(exc):  # ours, even when azure-identity wrapped it (a CI token that failed)
        if isinstance(cause, ProfileFailed):
            return cause.failure
        if isinstance(cause, EntraProfilesError):
            return Failure(getattr(cause, "code", "failed"), cause.message, cause.hint)
    text = str(exc)
    code = find_code(text)
    if code is None and "Unable to get authority configuration" in text:
        code = "90002"  # msal's discovery of the tenant's OpenID configuration was refused
    if code:
        meaning, hint = explain(code)
        return Failure(f"AADSTS{code}", f"AADSTS{code}: {meaning}", hint)
    host = _endpoint(stage, route)
    if is_tls(exc):
        ca = route.ca_bundle or "the system trust store"
        return Failure(
            "tls",
            f"TLS verification failed for {host}: its certificate is not signed by a CA in {ca}",
            "for a custom cloud set ca_bundle to the CA that signs the server; verification is never switched off",
        )
    if is_timeout(exc):
        after = f" after {timeout:g} s" if timeout else ""
        return Failure("timeout", f"timed out{after} waiting for {host}", "raise --timeout, or check the network")
    status = status_of(exc)
    if status is not None:
        last = last_response()
        said = f": {last.said}" if last is not None and last.status == status and last.said else ""
        return Failure(f"http_{status}", f"{host} answered HTTP {status}{said}", _status_hint(status, stage))
    from azure.core.exceptions import ServiceRequestError

    if any(isinstance(e, ServiceRequestError | ConnectionError) for e in _chain(exc)) or "Connection aborted" in text:
        return Failure("unreachable", f"cannot reach {host}: {first_line(_root(exc))}", "check the host and network")
    name = type(exc).__name__
    if name == "CredentialUnavailableError":
        return Failure("unavailable", first_line(text), "this credential is not available in this environment")
    return Failure("failed", f"{name}: {first_line(text)}", None)


def _status_hint(status: int, stage: str) -> str:
    if stage == "managed_identity" and status in (400, 404):  # IMDS, App Service: no such identity, or which one?
        return (
            "check the profile's credential client_id, object_id or resource_id: it must name an identity "
            "assigned to this resource (with none of the three, the system-assigned one is asked for)"
        )
    if status == 429:
        return "throttled: lower --concurrency, or retry later"
    if status >= 500:
        return "the service is failing; retry later"
    if status in (401, 403):
        return "the identity was refused: check its role assignments and the endpoint's credentials"
    return "check the profile's values against what the service said"


def _endpoint(stage: str, route: Route) -> str:
    if stage == "graph":
        return f"Microsoft Graph at {route.graph_url}"
    if stage == "managed_identity" and route.sandbox is not None:
        return f"the managed identity endpoint {route.sandbox.imds_authority_host}"
    if stage == "managed_identity":
        return "the managed identity endpoint"
    return f"the token endpoint at {route.authority_host}"


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and len(out) < 8:
        out.append(cur)
        cur = cur.__cause__ or cur.__context__
    return out


def _root(exc: BaseException) -> BaseException:
    seen: set[int] = set()
    while (exc.__cause__ or exc.__context__) is not None and id(exc) not in seen:
        seen.add(id(exc))
        nxt = exc.__cause__ or exc.__context__
        assert nxt is not None
        exc = nxt
    return exc


def _chain_text(exc: BaseException) -> str:
    parts: list[str] = []
    cur: Any = exc
    for _ in range(8):
        if cur is None:
            break
        parts.append(f"{type(cur).__name__}: {cur}")
        cur = cur.__cause__ or cur.__context__
    return " | ".join(parts)
