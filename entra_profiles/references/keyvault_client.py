"""Read one Key Vault secret with azure-keyvault-secrets, as a chosen identity; explain failures."""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass, field
from typing import Any

from entra_profiles.clouds import Cloud
from entra_profiles.config.loader import ProfileSet
from entra_profiles.config.models import ManagedIdentity, Profile
from entra_profiles.errors import first_line
from entra_profiles.redact import REDACTOR
from entra_profiles.references.syntax import host_in_cloud, vault_host
from entra_profiles.results import Failure
from entra_profiles.routing import Route, SandboxInfo, route_for

# A vault that hangs must not hold a run: bounded waits and retries, like the token requests (and the
# whole read, the reader's sign-in included, ends at the profile's deadline: see deferred.py).
TIMEOUTS: dict[str, Any] = {"connection_timeout": 10, "read_timeout": 30, "retry_total": 0}  # retries: ours


def _transport(route: Route) -> Any:
    """A transport of our own: loopback never proxied, what each request met recorded (for failures)."""
    from azure.core.pipeline.transport import RequestsTransport

    from entra_profiles.credentials.transport import RecordingTransport
    from entra_profiles.net.sessions import new_session

    inner = RequestsTransport(
        session=new_session(),
        session_owner=True,
        connection_verify=route.ca_bundle or True,
        connection_timeout=TIMEOUTS["connection_timeout"],
        read_timeout=TIMEOUTS["read_timeout"],
    )
    return RecordingTransport(inner)


class VaultHostRefused(Exception):
    """A request to a vault was about to go to a host other than the vault's: it is not sent."""


class VaultTokenRefused(Exception):
    """The reader's token is not one for the vault (not a JWT, another audience or tenant, expired): it
    is not sent."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


class VaultScoped:
    """The reader's credential, asked only for the cloud's vault resource, whatever a vault's challenge
    names: a vault (or something posing as one) never chooses the audience of the token it is sent.
    Each token is checked as a run checks a profile's (token_checks.py) before the SDK sends it."""

    def __init__(self, credential: Any, scope: str, tenant: str | None, route: Route, stage: str) -> None:
        self.credential = credential
        self.scope = scope
        self.tenant, self.route, self.stage = tenant, route, stage
        self.verdicts: dict[str, Failure | None] = {}  # by token: a cached token is checked once

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        return self._checked(self.credential.get_token(self.scope, **kwargs))

    def get_token_info(self, *scopes: str, options: Any = None) -> Any:
        if hasattr(self.credential, "get_token_info"):
            return self._checked(self.credential.get_token_info(self.scope, options=options))
        return self._checked(self.credential.get_token(self.scope, **dict(options or {})))

    def _checked(self, token: Any) -> Any:
        from entra_profiles.context import token_claims
        from entra_profiles.net.endpoints import endpoint
        from entra_profiles.net.trace import trace
        from entra_profiles.token_checks import token_problem

        if token.token not in self.verdicts:
            REDACTOR.register(token.token)
            last = trace().last
            url = last.url if last is not None else None
            source = endpoint(self.stage, self.route, url)
            claims = token_claims(token.token) or None
            problem = token_problem(claims, int(token.expires_on), self.scope, self.tenant, url, source)
            self.verdicts[token.token] = problem
        problem = self.verdicts[token.token]
        if problem is not None:
            raise VaultTokenRefused(problem)
        return token

    def close(self) -> None:
        self.credential.close()


def host_guard(vault_url: str) -> Any:
    """A hook run on every request just before it is sent: the URL, read by the parser urllib3 connects
    with, must name exactly the vault's host and port, over https, with no user name."""
    from urllib3.util import parse_url

    def netloc(url: str) -> str:
        parts = parse_url(url)
        if parts.scheme != "https" or parts.auth is not None or not parts.host:
            raise VaultHostRefused(f"refused a Key Vault request to {parts.host or url!r}")
        return f"{parts.host.lower()}:{parts.port or 443}"

    expected = netloc(vault_url)

    def check(request: Any) -> None:
        if netloc(request.http_request.url) != expected:
            raise VaultHostRefused(f"refused a Key Vault request to a host other than {expected}")

    return check


@dataclass
class Reader:
    """The identity that reads vaults, with the route its requests take."""

    label: str  # e.g. "profile:ops-reader" or "managed_identity"
    credential: Any
    route: Route
    tenant: str | None = None  # the tenant its tokens must be of, when known
    stage: str = "token"  # where its tokens come from: "token" (an app's sign-in) or "managed_identity"
    clients: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, vault_url: str) -> Any:
        """A client of one vault: its token is for the cloud's vault resource, and it goes to that vault's
        host only (under the cloud's vault suffix; the sandbox's when sandboxed), never after a redirect."""
        from azure.keyvault.secrets import SecretClient

        cloud = self.route.cloud
        if self.route.sandbox is None and not host_in_cloud(vault_host(vault_url), cloud.keyvault_suffix):
            raise VaultHostRefused(f"{vault_url} is not a Key Vault of the {cloud.name} cloud")
        with self.lock:
            if vault_url not in self.clients:
                target = self.route.vault_url(vault_url)
                self.clients[vault_url] = SecretClient(
                    vault_url=target,
                    credential=VaultScoped(self.credential, cloud.keyvault_scope, self.tenant, self.route, self.stage),
                    verify_challenge_resource=self.route.sandbox is None and not cloud.custom,
                    connection_verify=self.route.ca_bundle or True,
                    permit_redirects=False,  # a vault token goes only where it was asked for
                    raw_request_hook=host_guard(target),
                    transport=_transport(self.route),
                    **TIMEOUTS,
                )
            return self.clients[vault_url]

    def close(self) -> None:
        for c in self.clients.values():
            c.close()
        with contextlib.suppress(Exception):
            self.credential.close()


@dataclass(frozen=True)
class VaultAnswer:
    value: str | None
    content_type: str | None = None
    version: str | None = None
    code: str = ""
    reason: str = ""
    hint: str | None = None

    def __repr__(self) -> str:
        return f"VaultAnswer(value={'***' if self.value else None}, code={self.code!r})"


def profile_reader(
    name: str, profile: Profile, ps: ProfileSet, sandbox: SandboxInfo | None, material: tuple[bytes, str] | None
) -> Reader:
    """A vault reader that signs in as another profile of the file (its references already resolved)."""
    from entra_profiles.credentials.factory import build_credential
    from entra_profiles.credentials.options import Transports

    route = route_for(ps.cloud(profile.cloud), sandbox)
    credential, _ = build_credential(profile, route, Transports(shared=False), ps.file.parent, material, True)
    label = f"profile {name} (client id {profile.client_id})"
    if isinstance(profile.credential, ManagedIdentity):  # a managed identity's token is of its own tenant
        return Reader(label, credential, route, None, "managed_identity")
    return Reader(label, credential, route, profile.tenant)


def identity_reader(spec: str, cloud: Cloud, sandbox: SandboxInfo | None) -> Reader:
    """A vault reader for `managed_identity[:ID]`, `workload_identity` or `environment`."""
    from azure.identity import EnvironmentCredential, ManagedIdentityCredential, WorkloadIdentityCredential

    from entra_profiles.credentials.managed_identity import route_endpoint

    kind, _, arg = spec.partition(":")
    route = route_for(cloud, sandbox)
    common: dict[str, Any] = {"connection_verify": route.ca_bundle or True, "transport": _transport(route), **TIMEOUTS}
    if kind == "managed_identity":
        route_endpoint(route)
        label = f"managed identity {arg}" if arg else "the system-assigned managed identity"
        return Reader(
            label, ManagedIdentityCredential(client_id=arg or None, **common), route, None, "managed_identity"
        )
    options: dict[str, Any] = {
        "authority": route.authority_host,
        "disable_instance_discovery": route.disable_instance_discovery,
        **common,
    }
    tenant = os.environ.get("AZURE_TENANT_ID") or None  # what both credentials sign in to
    if kind == "workload_identity":
        label = "workload identity (AZURE_FEDERATED_TOKEN_FILE)"
        return Reader(label, WorkloadIdentityCredential(**options), route, tenant)
    return Reader("the AZURE_* environment credential", EnvironmentCredential(**options), route, tenant)


def http_failure(exc: Any, reader: Reader) -> VaultAnswer:
    """What a vault's refusal (an HTTP error status) means for the reference."""
    status = getattr(exc, "status_code", None)
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None) or ""
    inner = getattr(getattr(error, "innererror", None), "get", lambda *_: None)("code") if error else None
    text = f"{code} {inner or ''} {exc}"
    if "SecretDisabled" in text or "disabled" in text.lower():
        return VaultAnswer(
            None,
            code="keyvault_disabled",
            reason="the secret is disabled",
            hint="enable the secret version, or reference another version",
        )
    if status == 403 and ("expired" in text.lower() or "not yet valid" in text.lower()):
        return VaultAnswer(
            None,
            code="keyvault_expired",
            reason="the secret is expired or not yet valid",
            hint="set a new version of the secret",
        )
    if status == 403:
        return VaultAnswer(
            None,
            code="keyvault_forbidden",
            reason=f"forbidden for {reader.label}",
            hint="grant that identity get permission on secrets (Key Vault Secrets User)",
        )
    return VaultAnswer(None, code=f"keyvault_http_{status}", reason=f"HTTP {status}: {first_line(str(exc))}")
