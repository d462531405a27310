"""Keyword arguments every azure-identity credential of a run gets: where to go, whom to trust."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from entra_profiles.routing import Route

POOL_SIZE_MIN = 16


@dataclass
class Transports:
    """One HTTP connection pool per CA bundle, shared by every profile of a run (or, with
    `shared=False`, one per credential). Sessions never proxy loopback (net/sessions.py)."""

    concurrency: int = 16
    read_timeout: float = 30.0
    connect_timeout: float = 10.0
    shared: bool = True
    retries: int = 3  # for the calls that are ours, not azure-identity's (CI OIDC tokens)
    _by_ca: dict[str | None, Any] = field(default_factory=dict)
    _light: dict[str | None, Any] = field(default_factory=dict)
    _sessions: list[Any] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def within(cls, timeout: float, **kwargs: Any) -> Transports:
        """Transports whose connect and read timeouts fit in `timeout`: a server that stalls the TCP
        connect or the TLS handshake (where no deadline watchdog reaches the socket yet) cannot outlast it."""
        timeout = max(timeout, 0.01)  # a spent deadline: requests fail at once, not never
        return cls(read_timeout=min(30.0, timeout), connect_timeout=min(10.0, timeout), **kwargs)

    def for_route(self, route: Route) -> Any:
        from azure.core.pipeline.transport import RequestsTransport

        from entra_profiles.credentials.transport import RecordingTransport
        from entra_profiles.net.sessions import new_session

        if not self.shared:
            return RecordingTransport(
                RequestsTransport(
                    session=new_session(),
                    session_owner=True,
                    connection_verify=route.ca_bundle or True,
                    connection_timeout=self.connect_timeout,
                    read_timeout=self.read_timeout,
                )
            )
        with self._lock:
            if route.ca_bundle not in self._by_ca:
                self._by_ca[route.ca_bundle] = RecordingTransport(
                    RequestsTransport(
                        session=self._session(),
                        session_owner=False,
                        connection_verify=route.ca_bundle or True,
                        connection_timeout=self.connect_timeout,
                        read_timeout=self.read_timeout,
                    ),
                    share_discovery=True,
                )
            return self._by_ca[route.ca_bundle]

    def light_for(self, route: Route) -> tuple[Any, bool]:
        """msal's HTTP client for the route (net/light.py), and whether the caller owns it (not shared)."""
        from entra_profiles.net.light import LightHttp

        size = max(POOL_SIZE_MIN, self.concurrency + self.concurrency // 2)  # the profiles and the prefetchers
        if not self.shared:
            return LightHttp(route.ca_bundle, self.connect_timeout, self.read_timeout, size, share=False), True
        with self._lock:
            if route.ca_bundle not in self._light:
                self._light[route.ca_bundle] = LightHttp(route.ca_bundle, self.connect_timeout, self.read_timeout, size)
            return self._light[route.ca_bundle], False

    def session(self) -> Any:
        """The shared requests session (for calls that are not azure-identity's, like the Graph probe)."""
        with self._lock:
            return self._sessions[0] if self._sessions else self._session()

    def _session(self) -> Any:
        from entra_profiles.net.sessions import new_session

        # trust_env stays on, for HTTPS_PROXY/NO_PROXY (loopback excepted): the transport passes
        # verify=<CA path> with each request, and an explicit path wins over REQUESTS_CA_BUNDLE.
        session = new_session(max(POOL_SIZE_MIN, self.concurrency))
        self._sessions.append(session)
        return session

    def close(self) -> None:
        with self._lock:
            for s in self._sessions:
                s.close()
            self._sessions.clear()
            self._by_ca.clear()
            for light in self._light.values():
                light.close()
            self._light.clear()


def confidential_kwargs(route: Route, transports: Transports, any_tenant: bool = False) -> dict[str, Any]:
    """What an app's msal credential (credentials/confidential.py) is constructed with."""
    http, owned = transports.light_for(route)
    return {
        "authority": route.authority_host,
        "disable_instance_discovery": route.disable_instance_discovery,
        "http": http,
        "owns_http": owned,
        "any_tenant": any_tenant,
    }


def credential_kwargs(route: Route, transports: Transports) -> dict[str, Any]:
    """What every credential is constructed with. Retries are ours (see run/connect.py): azure-core
    retries a token POST only when the answer carries Retry-After."""
    return {
        "authority": route.authority_host,
        "disable_instance_discovery": route.disable_instance_discovery,
        "connection_verify": route.ca_bundle or True,
        "transport": transports.for_route(route),
        "retry_total": 0,
    }
