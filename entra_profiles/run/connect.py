"""Connect one profile: build its credential, get a token (with bounded retries), check that the
token is what was asked for, read its claims, build its context, run its checks, and optionally probe
Graph. Everything it waits for ends at the profile's deadline."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from entra_profiles.clouds import Cloud
from entra_profiles.config.models import Certificate, ClientSecret, ManagedIdentity, Profile
from entra_profiles.context import Context, CredentialFacts, token_claims
from entra_profiles.credentials.options import Transports
from entra_profiles.deadlines import Deadline, guarded, retrying, within
from entra_profiles.net.trace import forget_last_response, trace
from entra_profiles.redact import REDACTOR
from entra_profiles.results import ProfileFailed, ProfileResult
from entra_profiles.routing import Route
from entra_profiles.run.app_credentials import InUse, read_app_credentials
from entra_profiles.run.checks import check_context
from entra_profiles.run.expectations import GraphReads, Observed, check_expectations, skipped_all
from entra_profiles.run.failures import classify, endpoint, is_retryable, retry_after
from entra_profiles.run.options import ConnectOptions as ConnectOptions  # where callers found it
from entra_profiles.run.probe import probe_graph
from entra_profiles.token_checks import token_problem


def connect(
    name: str,
    profile: Profile,
    cloud: Cloud,
    route: Route,
    transports: Transports,
    base_dir: Path,
    options: ConnectOptions,
    vault_material: tuple[bytes, str] | None = None,
    spent: float = 0.0,
) -> ProfileResult:
    """Connect `name`; `spent`: seconds the profile already waited (for its Key Vault references),
    counted in its deadline and its duration."""
    from entra_profiles.credentials.factory import build_credential

    started = time.monotonic() - spent
    deadline = Deadline(started + options.timeout, options.timeout)
    result = ProfileResult(name, tenant=profile.tenant)
    stage = "managed_identity" if isinstance(profile.credential, ManagedIdentity) else "token"
    holder = _Credential(lambda: build_credential(profile, route, transports, base_dir, vault_material))
    try:
        facts = holder.facts()
        scopes = profile.scopes or [cloud.graph_scope]
        token, expires_on, claims = _checked_token(holder, scopes[0], deadline, options, profile, route, stage)
        for extra in scopes[1:]:
            _checked_token(holder, extra, deadline, options, profile, route, stage)
        context = Context.build(facts, claims, expires_on, cloud.name)
        result.context = context.fields
        result.warnings = check_context(context.fields, scopes[0], cloud.graph_scope)
        graph = _graph_reads(holder, token, scopes[0], cloud, route, transports, deadline, options, profile, stage)
        if options.probe or profile.probe:
            stage = "graph"
            result.organization = graph.org().display_name
        if profile.expect is not None:
            seen = Observed(
                roles=list(context.fields["Scopes"]),
                tenant_id=context.fields["TenantId"],
                expires_on=expires_on,
                credential_type=profile.credential.type,
                in_use=_in_use(profile, facts),
            )
            result.checks, result.credentials = check_expectations(profile.expect, seen, graph)
            if graph.organization is not None:
                result.organization = graph.organization.display_name
    except Exception as exc:
        result.error = classify(exc, route, stage, deadline, profile.tenant)
        result.checks = skipped_all(profile.expect)
    finally:
        holder.close()
        result.duration_s = time.monotonic() - started
    return result


def fresh_token(
    profile: Profile,
    route: Route,
    transports: Transports,
    base_dir: Path,
    scope: str,
    options: ConnectOptions,
    vault_material: tuple[bytes, str] | None = None,
    deadline: Deadline | None = None,
) -> tuple[str, int]:
    """A token for `scope`, checked, with the retries and the deadline of a run (for export/exec --token)."""
    from entra_profiles.credentials.factory import build_credential

    holder = _Credential(lambda: build_credential(profile, route, transports, base_dir, vault_material))
    stage = "managed_identity" if isinstance(profile.credential, ManagedIdentity) else "token"
    try:
        token, expires_on, _ = _checked_token(
            holder, scope, deadline or Deadline.start(options.timeout), options, profile, route, stage
        )
        return token, expires_on
    finally:
        holder.close()


def _checked_token(
    holder: _Credential,
    scope: str,
    deadline: Deadline,
    options: ConnectOptions,
    profile: Profile,
    route: Route,
    stage: str,
) -> tuple[str, int, dict[str, Any]]:
    """A token for `scope` that is a JWT for that resource, of the profile's tenant, not expired
    (ProfileFailed otherwise), its expiry and its claims; registered with the redactor (a JWT is masked
    by its shape: see redact.py)."""
    token, expires_on = _token(holder, scope, deadline, options)
    REDACTOR.register(token)
    last = trace().last
    url = last.url if last is not None else None
    tenant = None if isinstance(profile.credential, ManagedIdentity) else profile.tenant
    claims = token_claims(token)
    problem = token_problem(claims or None, expires_on, scope, tenant, url, endpoint(stage, route, url))
    if problem is not None:
        raise ProfileFailed(problem)
    return token, expires_on, claims


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


def _token(holder: _Credential, scope: str, deadline: Deadline, options: ConnectOptions) -> tuple[str, int]:
    forget_last_response()

    def attempt() -> tuple[str, int]:
        credential = holder.get()
        waits = guarded if getattr(credential, "cut_at_deadline", False) else within
        info = waits(deadline, credential.get_token_info, scope)
        return info.token, int(info.expires_on)

    return retrying(
        attempt,
        deadline,
        options.retries,
        is_retryable,
        retry_after,
        between=holder.close,  # the next attempt builds a fresh credential
        backoff=options.backoff,
        max_delay=options.max_delay,
    )


def _graph_reads(
    holder: _Credential,
    token: str,
    scope: str,
    cloud: Cloud,
    route: Route,
    transports: Transports,
    deadline: Deadline,
    options: ConnectOptions,
    profile: Profile,
    stage: str,
) -> GraphReads:
    """Graph's answers about the tenant and the app, asked for with a Graph token (the profile's own, or
    one more when its first scope is another resource) within the profile's deadline."""
    graph_token: list[str] = [token] if scope.rstrip("/") == cloud.graph_scope.rstrip("/") else []

    def bearer() -> str:
        if not graph_token:
            graph_token.append(_checked_token(holder, cloud.graph_scope, deadline, options, profile, route, stage)[0])
        return graph_token[0]

    return GraphReads(
        ask_organization=lambda: probe_graph(route, bearer(), transports, deadline, options.retries),
        ask_app=lambda: read_app_credentials(
            route, bearer(), profile.client_id or "", transports, deadline, options.retries
        ),
        classify=lambda exc: classify(exc, route, "graph", deadline),
    )


def _in_use(profile: Profile, facts: CredentialFacts) -> InUse | None:
    """What tells the credential in use among the app's registered ones (never the secret itself)."""
    credential = profile.credential
    if isinstance(credential, ClientSecret):
        return InUse("secret", hint=credential.secret.get_secret_value()[:3])
    if isinstance(credential, Certificate):
        return InUse("certificate", thumbprint=facts.certificate_thumbprint, not_after=facts.certificate_not_after)
    return None


def _close(credential: Any) -> None:
    with contextlib.suppress(Exception):
        credential.close()
