"""A CI token is shared by the profiles that ask the same CI for the same audience while it has more than
a minute left; one about to expire, or one without `exp`, is asked for again. The CI's answer is played
by a stand-in for the request itself (the sandbox's issuer has one lifetime); the rule is what is tested."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from entra_profiles.clouds import BUILTIN
from entra_profiles.config.models import WorkloadIdentity
from entra_profiles.credentials import ci_tokens
from entra_profiles.routing import route_for

ENV = {"ACTIONS_ID_TOKEN_REQUEST_URL": "https://127.0.0.1:9/oidc", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "bearer"}


def asks(monkeypatch: pytest.MonkeyPatch, lifetime: float | None) -> list[str]:
    """Each request made for a CI token; each answered with a token living `lifetime` s (None: no exp)."""
    made: list[str] = []

    def answer(spec: WorkloadIdentity, route: Any, url: str, bearer: str) -> str:
        made.append(spec.audience or "")
        claims: dict[str, Any] = {"sub": "repo:contoso/infra:ref:refs/heads/main", "n": len(made)}
        if lifetime is not None:
            claims["exp"] = int(time.time() + lifetime)
        return jwt.encode(claims, "k" * 32, algorithm="HS256")

    monkeypatch.setattr(ci_tokens, "_ask", answer)
    monkeypatch.setattr(ci_tokens, "_TOKENS", {})
    return made


def fetch(audience: str = "api://AzureADTokenExchange") -> str:
    spec = WorkloadIdentity(type="workload_identity", github=True, audience=audience)
    return ci_tokens.fetch_ci_token(spec, route_for(BUILTIN["Global"], None), ENV)


def test_a_token_with_time_left_is_shared_per_audience(monkeypatch: pytest.MonkeyPatch) -> None:
    made = asks(monkeypatch, lifetime=600)
    assert fetch() == fetch()
    fetch("api://AzureADTokenExchangeUSGov")
    assert made == ["api://AzureADTokenExchange", "api://AzureADTokenExchangeUSGov"]


def test_a_token_about_to_expire_is_asked_for_again(monkeypatch: pytest.MonkeyPatch) -> None:
    made = asks(monkeypatch, lifetime=30)
    assert fetch() != fetch()
    assert len(made) == 2


def test_a_token_without_an_expiry_is_never_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    made = asks(monkeypatch, lifetime=None)
    fetch()
    fetch()
    assert len(made) == 2


def test_a_token_lasts_no_longer_than_the_ci_said_when_this_clock_runs_behind() -> None:
    now = time.time()
    issued_ahead = jwt.encode({"iat": int(now + 10_000), "exp": int(now + 10_300)}, "k" * 32, algorithm="HS256")
    issued_now = jwt.encode({"iat": int(now), "exp": int(now + 600)}, "k" * 32, algorithm="HS256")
    no_iat = jwt.encode({"exp": int(now + 600)}, "k" * 32, algorithm="HS256")
    assert ci_tokens._lifetime(issued_ahead) == pytest.approx(300, abs=2)
    assert ci_tokens._lifetime(issued_now) == pytest.approx(600, abs=2)
    assert ci_tokens._lifetime(no_iat) == pytest.approx(600, abs=2)
    assert ci_tokens._lifetime("not-a-jwt") is None


def test_a_profile_waiting_for_anothers_ci_token_is_waiting_for_the_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """While one profile asks, another waits for its answer; if the waiter's deadline passes first, what
    it was waiting for is the CI's endpoint (the report names it), not whatever it asked before."""
    import threading

    from entra_profiles.deadlines import Deadline
    from entra_profiles.net.trace import Trace, adopt, trace

    asked, release = threading.Event(), threading.Event()

    def slow(spec: WorkloadIdentity, route: Any, url: str, bearer: str) -> str:
        asked.set()
        release.wait(10)
        return jwt.encode({"exp": int(time.time() + 600)}, "k" * 32, algorithm="HS256")

    monkeypatch.setattr(ci_tokens, "_ask", slow)
    monkeypatch.setattr(ci_tokens, "_TOKENS", {})
    spec = WorkloadIdentity(type="workload_identity", github=True)
    route = route_for(BUILTIN["Global"], None)
    first = threading.Thread(target=lambda: ci_tokens.fetch_ci_token(spec, route, ENV))
    first.start()
    try:
        assert asked.wait(5)
        adopt(Trace())
        with pytest.raises(ci_tokens.CiTokenUnavailable) as caught:
            ci_tokens.fetch_ci_token(spec, route, ENV, deadline=Deadline.start(0.2))
        assert caught.value.code == "timeout"
        assert "waiting for GitHub's OIDC endpoint at https://127.0.0.1:9" in caught.value.message
        assert trace().sending == ENV["ACTIONS_ID_TOKEN_REQUEST_URL"]
    finally:
        release.set()
        first.join(5)
