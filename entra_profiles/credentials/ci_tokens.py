"""CI OIDC tokens for workload identity: GitHub Actions' and Azure Pipelines' request endpoints.

`run` asks once for the profiles that want the same CI's token for the same audience, and shares it
while it has more than a minute left (CI tokens live minutes); `export` fetches one now and
writes it to a private file (azure-identity reads a federated token only from a file); Terraform can
fetch its own and gets the request URL and bearer instead (`oidc_request`).
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from entra_profiles.config.models import WorkloadIdentity
from entra_profiles.errors import EntraProfilesError
from entra_profiles.redact import REDACTOR
from entra_profiles.routing import Route

if TYPE_CHECKING:
    from requests import PreparedRequest

    from entra_profiles.deadlines import Deadline


class CiTokenUnavailable(EntraProfilesError):
    """The CI's OIDC token cannot be had here (not in that CI, no permission, endpoint refused); `code`
    says why for a run's report: `unavailable`, or the network cause (timeout, refused, …)."""

    def __init__(self, message: str, *, hint: str | None = None, code: str = "unavailable") -> None:
        super().__init__(message, hint=hint)
        self.code = code


PIPELINES_HINT = "run in a pipeline job and map SYSTEM_ACCESSTOKEN: $(System.AccessToken) into the step's env"
GITHUB_HINT = "give the job `permissions: id-token: write`, and run inside GitHub Actions"


def oidc_request(spec: WorkloadIdentity, route: Route, environ: Mapping[str, str]) -> tuple[str, str]:
    """The URL and bearer a tool uses to ask the CI for a token itself (Terraform's ARM_OIDC_REQUEST_*)."""
    sandbox = route.sandbox
    if spec.github:
        if sandbox is not None:
            return sandbox.oidc_request_url, sandbox.oidc_request_token
        url, token = environ.get("ACTIONS_ID_TOKEN_REQUEST_URL"), environ.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
        if not url or not token:
            raise CiTokenUnavailable(
                "GitHub Actions OIDC is not available: ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN are not set",
                hint=GITHUB_HINT,
            )
        return url, token
    if sandbox is not None and sandbox.azure_pipelines_oidc_url and sandbox.azure_pipelines_access_token:
        return sandbox.azure_pipelines_oidc_url, sandbox.azure_pipelines_access_token
    url, token = environ.get("SYSTEM_OIDCREQUESTURI"), environ.get("SYSTEM_ACCESSTOKEN")
    if not url or not token:
        raise CiTokenUnavailable(
            "Azure Pipelines OIDC is not available: SYSTEM_OIDCREQUESTURI / SYSTEM_ACCESSTOKEN are not set",
            hint=PIPELINES_HINT,
        )
    return url, token


def fetch_ci_token(
    spec: WorkloadIdentity,
    route: Route,
    environ: Mapping[str, str] | None = None,
    deadline: Deadline | None = None,
    retries: int = 3,
) -> str:
    """An OIDC token from GitHub Actions or Azure Pipelines (registered with the redactor), within
    `deadline` (else the calling profile's, else 60 s); throttling, 5xx, drops and bodies cut short are
    retried up to `retries` times. The profiles of a batch that ask the same CI for the same audience
    share one token while it has more than KEEP_MARGIN_S left (one asks, the others wait for it), as one
    CI login step serves a job's every tool."""
    from entra_profiles.deadlines import DEFAULT_TIMEOUT, Deadline
    from entra_profiles.net.causes import origin
    from entra_profiles.net.trace import trace

    env = os.environ if environ is None else environ
    url, bearer = oidc_request(spec, route, env)
    REDACTOR.register(bearer)
    if not spec.github and not spec.service_connection_id:
        raise CiTokenUnavailable(
            "azure_pipelines needs service_connection_id", hint="set credential.service_connection_id"
        )
    end = deadline or trace().deadline or Deadline.start(DEFAULT_TIMEOUT)
    who = f"{'GitHub' if spec.github else 'Azure Pipelines'}'s OIDC endpoint at {origin(url)}"
    key = hashlib.sha256(f"{url}\n{bearer}\n{spec.audience}\n{spec.service_connection_id}".encode()).digest()
    kept = _kept(key)
    if kept is not None:
        return kept
    with _KEYS_LOCK:
        asking = _ASKING.setdefault(key, threading.Lock())
    record = trace()
    record.sending = url  # waiting for another profile's request to the CI is waiting for the CI
    if not asking.acquire(timeout=max(0.0, end.left())):
        raise _timed_out(who, end.budget)
    try:
        kept = _kept(key)
        if kept is not None:
            record.sending = None
            return kept
        token = _fetch(spec, route, url, bearer, end, retries, who)
        lifetime = _lifetime(token)
        if lifetime is not None:
            with _KEYS_LOCK:
                _TOKENS[key] = (token, time.monotonic() + lifetime)
        return token
    finally:
        asking.release()


KEEP_MARGIN_S = 60.0  # a CI token is shared while it has more than this left
_TOKENS: dict[bytes, tuple[str, float]] = {}  # by CI request and audience: the token, its end (monotonic)
_ASKING: dict[bytes, threading.Lock] = {}
_KEYS_LOCK = threading.Lock()


def _kept(key: bytes) -> str | None:
    with _KEYS_LOCK:
        kept = _TOKENS.get(key)
    if kept is not None and kept[1] - time.monotonic() > KEEP_MARGIN_S:
        return kept[0]
    return None


def _lifetime(token: str) -> float | None:
    """Seconds the token has left, by its own clock where it says when it was issued (`exp` - `iat`: a
    clock here that runs behind cannot stretch it), else by this machine's; None without `exp` (it is
    then not shared). Not verified: it came over TLS from the CI, and Entra checks it."""
    import jwt

    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float):
        return None
    left = exp - time.time()
    return min(left, exp - iat) if isinstance(iat, int | float) else left


def _timed_out(who: str, budget: float) -> CiTokenUnavailable:
    return CiTokenUnavailable(
        f"timed out after {budget:g} s waiting for {who}", hint="raise --timeout, or check the network", code="timeout"
    )


def _fetch(spec: WorkloadIdentity, route: Route, url: str, bearer: str, end: Deadline, retries: int, who: str) -> str:
    """One token from the CI, asked for with retries within `end`."""
    from entra_profiles.deadlines import DeadlineExceeded, retrying, within
    from entra_profiles.net.causes import network_cause, transient

    try:
        token = retrying(
            lambda: within(end, _ask, spec, route, url, bearer),
            end,
            retries,
            lambda exc: not isinstance(exc, TimeoutError) and transient(exc, getattr(exc, "status", None)),
            lambda exc: getattr(exc, "retry_after", None),
        )
    except DeadlineExceeded:
        raise _timed_out(who, end.budget) from None
    except _Answered as exc:
        refused = exc.status in (401, 403, 404)
        hint = (
            (GITHUB_HINT if spec.github else PIPELINES_HINT) if refused else "the CI's service is failing; retry later"
        )
        code = "unavailable" if refused else f"http_{exc.status}"
        raise CiTokenUnavailable(f"{who} answered HTTP {exc.status}", hint=hint, code=code) from None
    except _Malformed as exc:
        raise CiTokenUnavailable(f"{who} {exc.problem}", hint=MALFORMED_HINT, code=exc.code) from None
    except Exception as exc:
        cause = network_cause(
            exc, url, route.sandbox.ca_bundle if route.sandbox is not None else None, route.sandbox is not None
        )
        if cause is None:
            raise
        raise CiTokenUnavailable(cause.message(who, end.budget), hint=cause.hint, code=cause.code) from None
    REDACTOR.register(token)
    return token


MALFORMED_HINT = "something other than the CI answered (a proxy or portal?); check the request URL"


class _Answered(Exception):
    """The endpoint refused (a status that is not 200)."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status, self.retry_after = status, retry_after


class _Malformed(Exception):
    """A 200 that holds no token, or a redirect."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.code = "redirect" if problem.startswith("redirected") else "malformed_answer"


def _ask(spec: WorkloadIdentity, route: Route, url: str, bearer: str) -> str:
    """One request for a CI token; the token, or _Answered / _Malformed / the network's error."""
    from entra_profiles.net.causes import answer_problem, seconds
    from entra_profiles.net.sessions import new_session
    from entra_profiles.net.trace import trace

    verify: str | bool = route.sandbox.ca_bundle if route.sandbox is not None else True
    sep = "&" if "?" in url else "?"
    headers = {"Authorization": f"Bearer {bearer}", "Accept": "application/json"}
    with new_session() as session:
        # An inherited REQUESTS_CA_BUNDLE replaces only verify=True: the sandbox's CA, passed as a path,
        # wins (Session.merge_environment_settings). An explicit auth keeps ~/.netrc from replacing the
        # bearer header. Redirects are not followed: a bearer goes only where it was asked for.
        session.auth = _as_given
        if spec.github:
            target, key = f"{url}{sep}{urlencode({'audience': spec.audience})}", "value"
            trace().sending = target
            response = session.get(target, headers=headers, verify=verify, timeout=30, allow_redirects=False)
        else:
            query = urlencode({"api-version": "7.1", "serviceConnectionId": spec.service_connection_id})
            target, key = f"{url}{sep}{query}", "oidcToken"
            trace().sending = target
            response = session.post(target, headers=headers, json={}, verify=verify, timeout=30, allow_redirects=False)
        problem = answer_problem(response.status_code, response.headers, response.content, target)
    trace().sending = None
    if problem is not None:
        raise _Malformed(problem)
    if response.status_code != 200:
        raise _Answered(response.status_code, seconds(response.headers.get("Retry-After")))
    try:
        token = response.json()[key]
    except (ValueError, KeyError, TypeError):
        raise _Malformed(f"sent no token (no {key!r} in its answer)") from None
    if not isinstance(token, str) or not token:
        raise _Malformed(f"sent no token (no {key!r} in its answer)")
    return token


def _as_given(request: PreparedRequest) -> PreparedRequest:
    """A requests auth that changes nothing: the Authorization header is already set."""
    return request
