"""net/resolve.py: a host name is looked up with a bounded wait, once for askers at the same time, its
answer kept for a minute and a failure never; an IP address is not looked up. The system resolver is
replaced here by a stand-in that answers (or hangs, or fails) on cue: no name leaves this machine."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from entra_profiles.net import resolve
from entra_profiles.net.resolve import Resolver


class StandIn:
    """getaddrinfo for `*.test` names: 127.0.0.1 once `answering` is set; `failing` names do not resolve."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.answering = threading.Event()
        self.failing: set[str] = set()
        self._real = socket.getaddrinfo

    def __call__(self, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        if not host.endswith(".test"):
            return self._real(host, port, *args, **kwargs)
        self.asked.append(host)
        if host in self.failing:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        self.answering.wait(10)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    fake = StandIn()
    monkeypatch.setattr(resolve.socket, "getaddrinfo", fake)
    yield fake
    fake.answering.set()  # a lookup left hanging ends with the test


def test_a_lookup_that_does_not_answer_ends_at_the_wait_given(stand_in: StandIn) -> None:
    started = time.monotonic()
    with pytest.raises(TimeoutError, match=r"looking up slow\.test took longer than 0\.2 s"):
        Resolver().addresses("slow.test", 443, 0.2)
    assert time.monotonic() - started < 1.0


def test_askers_at_the_same_time_share_one_lookup_and_its_answer_is_kept(stand_in: StandIn) -> None:
    resolver = Resolver()
    answers: list[list[str]] = []
    askers = [threading.Thread(target=lambda: answers.append(resolver.addresses("a.test", 443, 5))) for _ in range(4)]
    for asker in askers:
        asker.start()
    time.sleep(0.05)  # all four waiting
    stand_in.answering.set()
    for asker in askers:
        asker.join(5)
    assert answers == [[(socket.AF_INET, ("127.0.0.1", 443))]] * 4
    assert resolver.addresses("a.test", 443, 5) == answers[0]
    assert stand_in.asked == ["a.test"]


def test_an_answer_is_asked_for_again_once_it_is_old(stand_in: StandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in.answering.set()
    resolver = Resolver()
    resolver.addresses("a.test", 443, 5)
    monkeypatch.setattr(resolve, "KEEP_S", 0.0)
    time.sleep(0.01)
    resolver.addresses("a.test", 443, 5)
    assert stand_in.asked == ["a.test", "a.test"]


def test_a_failed_lookup_is_not_kept(stand_in: StandIn) -> None:
    stand_in.failing.add("gone.test")
    resolver = Resolver()
    for _ in range(2):
        with pytest.raises(socket.gaierror):
            resolver.addresses("gone.test", 443, 5)
    assert stand_in.asked == ["gone.test", "gone.test"]


def test_an_ip_address_is_not_looked_up(stand_in: StandIn) -> None:
    assert Resolver().addresses("127.0.0.1", 443, 0) == [(socket.AF_INET, ("127.0.0.1", 443))]
    assert Resolver().addresses("::1", 443, 0) == [(socket.AF_INET6, ("::1", 443, 0, 0))]
    assert stand_in.asked == []


def test_a_proxy_whose_name_lookup_hangs_fails_within_the_connect_timeout(
    stand_in: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The proxied path (urllib3's pools) looks the proxy's name up the same way before connecting."""
    from entra_profiles.net import light
    from entra_profiles.net.causes import chain

    monkeypatch.setattr(resolve, "RESOLVER", Resolver())
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.test:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    http = light.LightHttp(None, 0.3, 5.0, 2)
    started = time.monotonic()
    with pytest.raises(Exception) as caught:  # urllib3 wraps it as it wraps any failure to reach a proxy
        http.get("https://login.example.test/x")
    assert time.monotonic() - started < 1.5
    assert any("looking up proxy.test took longer than 0.3 s" in str(e) for e in chain(caught.value))
    assert stand_in.asked == ["proxy.test"]


def test_an_address_that_drops_connection_attempts_leaves_time_for_the_next(
    stand_in: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Of two addresses, the first drops SYNs (a connect that never ends, played here by a socket whose
    connect waits out its timeout): the second still gets its share of the time and connects."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    silent = ("192.0.2.1", port)  # TEST-NET-1: never dialled, the stand-in socket below times out instead
    monkeypatch.setattr(resolve, "RESOLVER", Resolver())
    monkeypatch.setattr(
        resolve.RESOLVER, "addresses", lambda *_: [(socket.AF_INET, silent), (socket.AF_INET, ("127.0.0.1", port))]
    )
    real_connect = socket.socket.connect
    waits: list[float] = []

    class Dialled(socket.socket):
        def connect(self, address: Any) -> None:
            if address == silent:
                waits.append(self.gettimeout() or 0.0)
                time.sleep(self.gettimeout() or 0.0)
                raise TimeoutError("timed out")
            real_connect(self, address)

    monkeypatch.setattr(resolve.socket, "socket", Dialled)
    started = time.monotonic()
    try:
        with resolve.connect("two.test", port, 1.0) as sock:
            assert sock.getpeername()[1] == port
    finally:
        listener.close()
    assert waits == [pytest.approx(0.5, abs=0.05)]
    assert time.monotonic() - started < 1.0


def test_a_proxy_connection_uses_the_answer_instead_of_asking_again(
    stand_in: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """urllib3 would look the name up again, unbounded: the proxied path connects to the answer itself."""
    from runsupport import dead_port

    from entra_profiles.net import light
    from entra_profiles.net.causes import chain

    stand_in.answering.set()
    monkeypatch.setattr(resolve, "RESOLVER", Resolver())
    monkeypatch.setenv("HTTPS_PROXY", f"http://proxy.test:{dead_port()}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with pytest.raises(Exception) as caught:  # the proxy refuses: urllib3's ProxyError around it
        light.LightHttp(None, 2.0, 5.0, 2).get("https://login.example.test/x")
    assert any(isinstance(e, ConnectionRefusedError) for e in chain(caught.value))
    assert stand_in.asked == ["proxy.test"]
