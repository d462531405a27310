"""Connect one profile: build its credential, get a token (with bounded retries), read the claims,
build its context, run its checks, and optionally probe Graph."""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from entra_profiles.clouds import Cloud
from entra_profiles.config.models import ManagedIdentity, Profile
from entra_profiles.context import Context, CredentialFacts, token_claims
from entra_profiles.credentials.options import Transports
from entra_profiles.credentials.transport import forget_last_response, last_response, remember_last_response
from entra_profiles.redact import REDACTOR
from entra_profiles.results import Failure, ProfileFailed, ProfileResult
from entra_profiles.routing import Route
from entra_profiles.run.checks import check_context
from entra_profiles.run.failures import classify, is_retryable, retry_after


@dataclass(frozen=True)
class ConnectOptions:
    timeout: float = 60.0  # per profile, all attempts included
    retries: int = 3
    backoff: float = 0.5  # first delay; doubles each attempt, with jitter
    max_delay: float = 10.0
    probe: bool = False


def connect(
    name: str,
    profile: Profile,
    cloud: Cloud,
    route: Route,
    transports: Transports,
    base_dir: Path,
    options: ConnectOptions,
    vault_material: tuple[bytes, str] | None = None,
) -> ProfileResult:
    from entra_profiles.credentials.factory import build_credential

    start = time.monotonic()
    deadline = start + options.timeout
    result = ProfileResult(name)
    stage = "managed_identity" if isinstance(profile.credential, ManagedIdentity) else "token"
    holder = _Credential(lambda: build_credential(profile, route, transports, base_dir, vault_material))
    try:
        facts = holder.facts()
        scopes = profile.scopes or [cloud.graph_scope]
        token, expires_on = _token(holder, scopes[0], deadline, options)
        REDACTOR.register(token)
        for extra in scopes[1:]:
            _token(holder, extra, deadline, options)
        claims = token_claims(token)
        context = Context.build(facts, claims, expires_on, cloud.name)
        result.context = context.fields
        result.warnings = check_context(context.fields, scopes[0], cloud.graph_scope)
        if options.probe or profile.probe:
            stage = "graph"
            result.organization = _probe(route, token, transports, deadline)
        missing = _missing_roles(profile, context.fields)
        if missing:
            granted = ", ".join(context.fields["Scopes"]) or "none"
            result.error = Failure(
                "missing_roles",
                f"required roles not granted: {', '.join(missing)} (granted: {granted})",
                "add the application permissions to the app and grant admin consent in the tenant",
            )
    except Exception as exc:
        result.error = classify(exc, route, stage, options.timeout if time.monotonic() >= deadline else None)
    finally:
        holder.close()
        result.duration_s = time.monotonic() - start
    return result


def fresh_token(
    profile: Profile,
    route: Route,
    transports: Transports,
    base_dir: Path,
    scope: str,
    options: ConnectOptions,
    vault_material: tuple[bytes, str] | None = None,
) -> tuple[str, int]:
    """A token for `scope`, with the retries and the deadline of a run (for export/exec --token)."""
    from entra_profiles.credentials.factory import build_credential

    holder = _Credential(lambda: build_credential(profile, route, transports, base_dir, vault_material))
    try:
        return _token(holder, scope, time.monotonic() + options.timeout, options)
    finally:
        holder.close()


class _Credential:
    """The profile's credential, built on first use and built afresh for a retry: msal remembers a
    429/5xx answer for its Retry-After (5 s when none) and would replay it instead of asking again."""

    def __init__(self, build: Callable[[], tuple[Any, CredentialFacts]]) -> None:
        self._build = build
        self._current: Any = None
        self._facts: CredentialFacts | None = None

    def facts(self) -> CredentialFacts:
        self.get()
        assert self._facts is not None
        return self._facts

    def get(self) -> Any:
        if self._current is None:
            self._current, self._facts = self._build()
        return self._current

    def close(self) -> None:
        if self._current is not None:
            _close(self._current)
            self._current = None


def _token(holder: _Credential, scope: str, deadline: float, options: ConnectOptions) -> tuple[str, int]:
    attempt = 0
    forget_last_response()
    while True:
        try:
            info = within(deadline, holder.get().get_token_info, scope)
            return info.token, int(info.expires_on)
        except Exception as exc:
            if attempt >= options.retries or not is_retryable(exc):
                raise
            delay = retry_after(exc)
            if delay is None:
                delay = min(options.max_delay, options.backoff * 2**attempt) * random.uniform(0.5, 1.5)
            if time.monotonic() + delay >= deadline:
                raise
            time.sleep(delay)
            holder.close()  # the next attempt builds a fresh credential
            attempt += 1


def within(deadline: float, func: Callable[..., Any], *args: Any) -> Any:
    """Call `func` on a worker thread and give up at the deadline: a slow server may trickle a
    response byte by byte and never trip a read timeout. The worker finishes on its own."""
    box: dict[str, Any] = {}
    done = threading.Event()

    previous = last_response()

    def work() -> None:
        remember_last_response(None)
        try:
            box["value"] = func(*args)
        except BaseException as exc:
            box["error"] = exc
        box["last"] = last_response() or previous
        done.set()

    threading.Thread(target=work, name="connect-call", daemon=True).start()
    if not done.wait(max(0.0, deadline - time.monotonic())):
        raise DeadlineExceeded("the profile's --timeout ran out")
    remember_last_response(box.get("last"))
    if "error" in box:
        raise box["error"]
    return box["value"]


class DeadlineExceeded(TimeoutError):
    pass


def _probe(route: Route, token: str, transports: Transports, deadline: float) -> str:
    """GET {graph}/v1.0/organization: the tenant's display name, or a failure naming Graph's answer."""
    session = transports.session()
    timeout = max(1.0, min(transports.read_timeout, deadline - time.monotonic()))
    response = session.get(
        f"{route.graph_url}/v1.0/organization",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        verify=route.ca_bundle or True,
        timeout=timeout,
    )
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200:
        error = body.get("error", {}) if isinstance(body, dict) else {}
        code = error.get("code", "") if isinstance(error, dict) else ""
        message = error.get("message", "") if isinstance(error, dict) else ""
        hint = (
            "the token lacks the Graph permission this call needs (e.g. Organization.Read.All); grant admin consent"
            if response.status_code == 403
            else None
        )
        raise ProfileFailed(
            Failure(f"graph_{response.status_code}", f"Graph probe: {response.status_code} {code}: {message}", hint)
        )
    values = body.get("value") if isinstance(body, dict) else None
    if isinstance(values, list) and values and isinstance(values[0], dict):
        return str(values[0].get("displayName", ""))
    return ""


def _missing_roles(profile: Profile, context: dict[str, Any]) -> list[str]:
    if profile.expect is None or not profile.expect.roles:
        return []
    granted = set(context.get("Scopes") or [])
    return [r for r in profile.expect.roles if r not in granted]


def _close(credential: Any) -> None:
    with contextlib.suppress(Exception):
        credential.close()
