"""An app's sign-in with a client secret or a certificate, made with msal directly.

azure-identity's ClientSecretCredential and CertificateCredential wrap the same msal application in a
per-credential azure-core pipeline (policies, a transport, a session) that an app-only token request
does not need; a run builds one credential per profile. This is that credential without the pipeline:
the same msal call, the same failures (ClientAuthenticationError, with azure-identity's words), the
token's expiry computed as azure-identity computes it; msal's HTTP client is the run's (net/light.py).
"""

from __future__ import annotations

import functools
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

from entra_profiles.net.light import LightHttp


@dataclass(frozen=True)
class TokenInfo:
    """What azure-core's AccessTokenInfo holds (a vault client's policy reads these), without importing
    azure-core for a run that reads no vault."""

    token: str
    expires_on: int
    token_type: str = "Bearer"
    refresh_on: int | None = None

    def __repr__(self) -> str:
        return f"TokenInfo(token='***', expires_on={self.expires_on})"


def authentication_failed(message: str) -> Exception:
    """azure-identity's exception for a failed sign-in (imported only when one fails)."""
    from azure.core.exceptions import ClientAuthenticationError

    return ClientAuthenticationError(message=message)


def _still_good(info: TokenInfo, refreshing: bool = False) -> bool:
    """A kept token is handed out again as msal's cache would: while it has more than 5 minutes left, and
    until its refresh time unless a refresh just failed (`refreshing`)."""
    now = time.time()
    if info.expires_on - now <= 300:
        return False
    return refreshing or info.refresh_on is None or now < info.refresh_on


def _unkept() -> Any:
    """A msal token cache that keeps nothing: the credential keeps its tokens (ConfidentialCredential
    ._tokens). msal's own cache serialises every token event to JSON for a debug log whatever the log
    level, ~10% of the CPU a token costs in a batch, to keep a token no one asks it for again."""
    return _unkept_class()()


@functools.cache
def _unkept_class() -> type:
    import msal

    class Unkept(msal.TokenCache):  # type: ignore[misc]
        def add(self, event: dict[str, Any], now: int | None = None) -> None:
            pass

    return Unkept


class ConfidentialCredential:
    """`get_token_info(scope)` for one app in one tenant (`any_tenant`: or in the tenant a caller's
    options name, as a vault reader follows a vault's challenge)."""

    cut_at_deadline = True  # its requests record their socket: deadlines.guarded, no thread per call

    def __init__(
        self,
        tenant_id: str,
        client_id: str,
        client_credential: str | dict[str, Any],
        *,
        authority: str,
        disable_instance_discovery: bool,
        http: LightHttp,
        owns_http: bool = False,
        any_tenant: bool = False,
    ) -> None:
        self._tenant, self._client_id, self._secret = tenant_id, client_id, client_credential
        self._authority = authority.rstrip("/")
        self._instance_discovery = not disable_instance_discovery
        self._http, self._owns_http, self._any_tenant = http, owns_http, any_tenant
        self._apps: dict[str, Any] = {}
        self._tokens: dict[tuple[str, tuple[str, ...]], TokenInfo] = {}  # this credential's cache: see _unkept
        self._lock = threading.Lock()

    def get_token_info(self, *scopes: str, options: dict[str, Any] | None = None) -> TokenInfo:
        if not scopes:
            raise ValueError('"get_token_info" requires at least one scope')
        wanted = (options or {}).get("tenant_id")
        tenant = wanted if self._any_tenant and wanted else self._tenant
        key = (tenant, tuple(sorted(set(scopes))))  # msal compares scopes as a set
        kept = self._tokens.get(key)
        if kept is not None and _still_good(kept):
            return kept
        try:  # as azure-identity's wrap_exceptions: what msal or the network raised, as an authentication failure
            app = self._app(tenant)
            request_time = int(time.time())
            result = app.acquire_token_for_client(list(scopes))
        except Exception as ex:
            if kept is not None and _still_good(kept, refreshing=True):
                return kept  # past its refresh time, not expired: msal too hands it out when a refresh fails
            if type(ex).__name__ == "ClientAuthenticationError":  # azure-core's, raised by net/light.py
                raise
            raise authentication_failed(f"Authentication failed: {ex}") from ex
        if "access_token" not in result:
            if kept is not None and _still_good(kept, refreshing=True):
                return kept
            said = result.get("error_description") or result.get("error")
            raise authentication_failed(f"Authentication failed: {said}")
        info = TokenInfo(
            result["access_token"],
            request_time + int(result["expires_in"]),
            token_type=result.get("token_type", "Bearer"),
            refresh_on=int(result["refresh_on"]) if "refresh_on" in result else None,
        )
        self._tokens[key] = info
        return info

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        info = self.get_token_info(
            *scopes, options={"tenant_id": kwargs["tenant_id"]} if "tenant_id" in kwargs else None
        )
        return AccessToken(info.token, info.expires_on)

    def _app(self, tenant: str) -> Any:
        import msal

        with self._lock:
            if tenant not in self._apps:
                region = os.environ.get("AZURE_REGIONAL_AUTHORITY_NAME")  # as azure-identity reads it
                if region and region.lower() in ("tryautodetect", "true"):
                    region = msal.ConfidentialClientApplication.ATTEMPT_REGION_DISCOVERY
                self._apps[tenant] = msal.ConfidentialClientApplication(
                    self._client_id,
                    client_credential=self._secret,
                    authority=f"{self._authority}/{tenant}",
                    azure_region=region,
                    http_client=self._http,
                    instance_discovery=self._instance_discovery,
                    token_cache=_unkept(),
                )
            return self._apps[tenant]

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __repr__(self) -> str:
        return f"ConfidentialCredential(tenant_id={self._tenant!r}, client_id={self._client_id!r})"
