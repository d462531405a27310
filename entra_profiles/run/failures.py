"""Turn what azure-identity, msal and the network raise into a Failure a person can act on."""

from __future__ import annotations

import re

from entra_profiles.aadsts import explain, find_code
from entra_profiles.deadlines import Deadline, DeadlineExceeded
from entra_profiles.errors import EntraProfilesError, first_line
from entra_profiles.net.causes import chain, is_timeout, network_cause, seconds, transient
from entra_profiles.net.endpoints import endpoint as endpoint
from entra_profiles.net.sessions import proxy_for
from entra_profiles.net.trace import trace
from entra_profiles.results import Failure, ProfileFailed
from entra_profiles.routing import Route, in_world

RETRYABLE_STATUS = {408, 429, 500, 502, 503, 504}
MALFORMED_HINT = "something other than the service may be answering (a proxy, a captive portal); check the endpoint"
REDIRECT_HINT = "check the endpoint's URL; a proxy or a portal may be redirecting requests"
# What Entra, IMDS and Key Vault say when something is not there: against a sandbox, its world may lack it.


def status_of(exc: BaseException) -> int | None:
    """The HTTP status behind an exception: its own response's, or the last one this profile received."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if isinstance(status, int):
        return status
    last = trace().last
    if last is not None and last.status >= 400:
        return last.status
    match = re.search(r"HTTP Error: (\d{3})", str(exc))  # msal's words for a non-OAuth error answer
    return int(match.group(1)) if match else None


def retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    last = trace().last
    if value is None and last is not None and last.status >= 400:
        value = last.retry_after
    return seconds(value)


def is_retryable(exc: BaseException) -> bool:
    """Throttling, server errors, dropped connections and answers cut short; never a timeout, TLS, a
    malformed answer, a refusal by Entra, or a failure of ours (they say what to fix)."""
    if any(isinstance(e, EntraProfilesError) for e in chain(exc)) or is_timeout(exc):
        return False
    last = trace().last
    if last is not None and last.problem is not None:
        return False
    status = status_of(exc)
    if status is not None:
        return status in RETRYABLE_STATUS
    if find_code(str(exc)):
        return False
    text = " | ".join(str(e) for e in chain(exc))
    if re.search(r"\b(429|500|502|503|504)\b", text) and ("status" in text.lower() or "Service" in text):
        return True
    return transient(exc)


def classify(
    exc: BaseException, route: Route, stage: str, deadline: Deadline | None = None, tenant: str | None = None
) -> Failure:
    """The failure to report for an exception raised while connecting (a profile of `tenant`); against a
    sandbox whose world is empty or lacks the tenant, its hint says so."""
    failure = _classified(exc, route, stage, deadline)
    missing = stage == "managed_identity" and failure.code in ("http_400", "http_404")  # no such identity
    return in_world(failure, route.sandbox, tenant, missing=missing)


def _classified(exc: BaseException, route: Route, stage: str, deadline: Deadline | None) -> Failure:
    for cause in chain(exc):  # ours, even when azure-identity wrapped it (a CI token that failed)
        if isinstance(cause, ProfileFailed):
            return cause.failure
        if isinstance(cause, EntraProfilesError):
            return Failure(getattr(cause, "code", "failed"), cause.message, cause.hint)
    record = trace()
    url = record.sending or (record.last.url if record.last is not None else None)
    host = endpoint(stage, route, url)
    budget = deadline.budget if deadline is not None and deadline.passed() else None
    if isinstance(exc, DeadlineExceeded) or (budget is not None and is_timeout(exc)):
        return Failure("timeout", f"timed out{_after(budget)} waiting for {host}", timeout_hint(url))
    last = record.last
    if last is not None and last.problem is not None:
        code = "redirect" if last.problem.startswith("redirected") else "malformed_answer"
        where = endpoint(stage, route, last.url)
        return Failure(code, f"{where} {last.problem}", REDIRECT_HINT if code == "redirect" else MALFORMED_HINT)
    text = str(exc)
    aadsts = find_code(text)
    if (
        aadsts is None
        and "Unable to get authority configuration" in text
        and (last is None or last.status in (400, 404))
    ):
        aadsts = "90002"  # msal's discovery of the tenant's OpenID configuration was refused
    if aadsts:
        meaning, hint = explain(aadsts)
        return Failure(f"AADSTS{aadsts}", f"AADSTS{aadsts}: {meaning}", hint)
    network = network_cause(exc, url or route.authority_host, route.ca_bundle, route.sandbox is not None)
    if network is not None:
        return Failure(network.code, network.message(host, budget), network.hint)
    status = status_of(exc)
    if status is not None:
        said = f": {last.said}" if last is not None and last.status == status and last.said else ""
        return Failure(f"http_{status}", f"{host} answered HTTP {status}{said}", _status_hint(status, stage))
    name = type(exc).__name__
    if name == "CredentialUnavailableError":
        return Failure("unavailable", first_line(text), "this credential is not available in this environment")
    return Failure("failed", f"{name}: {first_line(text)}", None)


def _after(budget: float | None) -> str:
    return f" after {budget:g} s" if budget else ""


def timeout_hint(url: str | None) -> str:
    proxy = proxy_for(url) if url else None
    via = f" (requests go through the proxy {proxy[1]} from {proxy[0]})" if proxy else ""
    return f"raise --timeout, or check the network{via}"


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
