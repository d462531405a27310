"""The pieces under every request: which hosts skip the proxy, how a proxy is named, what a deadline does."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import pytest

from entra_profiles.deadlines import (
    LAST_ATTEMPT_SHARE,
    DaemonPool,
    Deadline,
    DeadlineExceeded,
    guarded,
    retrying,
    within,
)
from entra_profiles.net.causes import answer_problem, network_cause
from entra_profiles.net.sessions import is_loopback, proxy_for
from entra_profiles.net.trace import Trace, adopt, watched


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("https://127.0.0.1:4000/x", True),
        ("https://127.8.9.10/", True),
        ("https://[::1]:4000/", True),
        ("https://localhost:4000/", True),
        ("https://LOCALHOST./", True),
        ("https://login.microsoftonline.com/", False),
        ("https://127.0.0.1.example/", False),
        ("https://10.0.0.1/", False),
        ("https://[::1/", False),  # unparsable: not loopback, so not exempt from the proxy
    ],
)
def test_loopback_hosts(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


def test_the_proxy_in_effect_is_named_without_its_password(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("HTTPS_PROXY", "http://user:s3cret@proxy.corp:3128")
    assert proxy_for("https://login.microsoftonline.com/t") == ("HTTPS_PROXY", "http://proxy.corp:3128")
    assert proxy_for("https://127.0.0.1:4000/t") is None
    monkeypatch.setenv("NO_PROXY", "microsoftonline.com")
    assert proxy_for("https://login.microsoftonline.com/t") is None


@pytest.mark.parametrize(
    ("status", "headers", "body", "problem"),
    [
        (200, {"Content-Type": "application/json"}, b'{"access_token": "t", "expires_in": 3599}', None),
        (400, {"Content-Type": "text/html"}, b"<html>", None),  # an error status explains itself
        (302, {"Location": "https://portal.example/login?code=secret"}, b"", "redirected (HTTP 302) to "
         "https://portal.example/login; redirects are not followed"),
        (200, {}, b"  ", "answered with an empty body"),
        (200, {"Content-Type": "text/html; charset=utf-8"}, b"<!DOCTYPE html>", "answered with an HTML page "
         "(text/html), not JSON"),
        (200, {"Content-Type": "application/json"}, b"{", "answered with a body that is not valid JSON "
         "(application/json)"),
        (200, {}, b'{"access_token": "t", "token_type": "Bearer"}', "sent a token without expires_in"),
        (200, {}, b'{"token_type": "Bearer"}', "answered without an access_token"),
    ],
)  # fmt: skip
def test_answers_that_are_not_answers(status: int, headers: dict[str, str], body: bytes, problem: str | None) -> None:
    assert answer_problem(status, headers, body, "https://login.example/t/oauth2/v2.0/token") == problem


def test_within_gives_up_at_the_deadline_and_leaves_no_thread_to_wait_for() -> None:
    release = threading.Event()
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        within(Deadline.start(0.2), release.wait, 30)
    assert time.monotonic() - started < 5
    assert all(t.daemon for t in threading.enumerate() if t.name == "within")
    release.set()
    assert within(Deadline.start(5), lambda: 42) == 42


def test_retrying_stops_at_the_deadline_and_reports_the_failure_that_says_most() -> None:
    calls: list[int] = []

    def flaky() -> int:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("dropped")
        return len(calls)

    assert retrying(flaky, Deadline.start(10), 3, lambda e: True, lambda e: 0.0) == 3
    deadline = Deadline.start(0.3)

    def slow_after_a_failure() -> int:
        if deadline.left() > 0.2:
            raise ConnectionError("503 first")
        raise DeadlineExceeded("cut short")

    with pytest.raises(ConnectionError, match="503 first"):
        retrying(slow_after_a_failure, deadline, 5, lambda e: True, lambda e: 0.15)


def test_no_retry_starts_that_the_deadline_would_cut_and_a_cut_attempt_reports_the_failure_before() -> None:
    """A retry starts only with LAST_ATTEMPT_SHARE of the budget left after its wait; an attempt that fails
    at the deadline inside another error (a CI token fetch cut inside azure-identity's exception) yields
    to the failure before it, which says what went wrong."""
    deadline = Deadline.start(1.0)
    starts: list[float] = []

    def failing() -> None:
        starts.append(deadline.left())
        raise ConnectionError("503")

    with pytest.raises(ConnectionError, match="503"):
        retrying(failing, deadline, 10, lambda e: True, lambda e: 0.3)
    assert len(starts) == 3  # at 1.0, ~0.7 and ~0.4 s left; ~0.1 s after the next wait: not started
    assert min(starts) >= LAST_ATTEMPT_SHARE * deadline.budget
    cutting = Deadline.start(0.4)
    attempts: list[int] = []

    def cut_inside_another_error() -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("Authentication failed") from ConnectionResetError("reset by peer")
        time.sleep(cutting.left())
        try:
            raise DeadlineExceeded("the profile's --timeout ran out")
        except DeadlineExceeded as cut:
            raise RuntimeError("Authentication failed: timed out") from cut  # as a wrapper says it

    with pytest.raises(RuntimeError, match=r"^Authentication failed$") as caught:
        retrying(cut_inside_another_error, cutting, 5, lambda e: True, lambda e: 0.0)
    # what is reported is the first failure and its own cause, not the cut chained to it
    cause = network_cause(caught.value, "https://127.0.0.1:1/token", None, sandbox=True)
    assert cause is not None and cause.code == "unreachable"
    refused = Deadline.start(0.4)
    answers: list[int] = []

    def refused_at_the_deadline() -> None:  # a refusal that comes late is still the answer
        answers.append(1)
        if len(answers) == 1:
            raise ConnectionError("503 first")
        time.sleep(refused.left())
        raise PermissionError("AADSTS7000215: invalid client secret")

    with pytest.raises(PermissionError, match="AADSTS7000215"):
        retrying(refused_at_the_deadline, refused, 5, lambda e: isinstance(e, ConnectionError), lambda e: 0.0)


def test_a_daemon_pool_runs_calls_and_cancels_what_never_started() -> None:
    pool = DaemonPool(1, "test")
    gate = threading.Event()
    first = pool.submit(gate.wait, 5)
    second = pool.submit(lambda: "never")
    pool.shutdown()
    gate.set()
    assert first.result(timeout=5) is True
    assert second.cancelled()


def test_a_name_that_does_not_resolve() -> None:
    """A DNS failure, as urllib3 raises it (tests never resolve names beyond loopback)."""
    from urllib3.connection import HTTPSConnection
    from urllib3.exceptions import MaxRetryError, NameResolutionError

    failed = NameResolutionError("login.lab.contoso.example", HTTPSConnection("x"), socket.gaierror(-2, "unknown"))
    wrapped = MaxRetryError(None, "/", failed)  # type: ignore[arg-type]
    cause = network_cause(wrapped, "https://login.lab.contoso.example/t", None, sandbox=False)
    assert cause is not None
    assert (cause.code, cause.message("the token endpoint at https://login.lab.contoso.example"), cause.hint) == (
        "dns",
        "cannot reach the token endpoint at https://login.lab.contoso.example: the host name "
        "login.lab.contoso.example does not resolve (DNS failure)",
        "check the host name in the profile's cloud and this machine's DNS; behind a proxy set HTTPS_PROXY",
    )


def test_a_sooner_deadline_is_cut_in_time_while_a_later_one_is_watched() -> None:
    """The watchdog is woken only for a deadline sooner than the one it waits for: one watched after a
    later one must still be cut at its own."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def waits_on_a_silent_server(ended: dict[str, float], seconds: float) -> None:
            adopt(Trace())
            started = time.monotonic()
            with socket.create_connection(("127.0.0.1", port)) as sock, contextlib.suppress(DeadlineExceeded):
                guarded(Deadline.start(seconds), lambda: watched(sock).recv(1))
            ended[str(seconds)] = time.monotonic() - started

        ended: dict[str, float] = {}
        late = threading.Thread(target=waits_on_a_silent_server, args=(ended, 2.0), daemon=True)
        late.start()
        time.sleep(0.2)  # the watchdog now waits for the 2 s deadline
        waits_on_a_silent_server(ended, 0.3)
        late.join(5)
    assert ended["0.3"] < 1.0  # not cut with the 2 s one
    assert 1.9 < ended["2.0"] < 4
