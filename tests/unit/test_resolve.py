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
    assert answers == [["127.0.0.1"]] * 4
    assert resolver.addresses("a.test", 443, 5) == ["127.0.0.1"]
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
    assert Resolver().addresses("127.0.0.1", 443, 0) == ["127.0.0.1"]
    assert Resolver().addresses("::1", 443, 0) == ["::1"]
    assert stand_in.asked == []


def test_a_proxy_whose_name_lookup_hangs_fails_within_the_connect_timeout(
    stand_in: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The proxied path (urllib3's pools) looks the proxy's name up the same way before connecting."""
    from entra_profiles.net import light
    from entra_profiles.net.causes import chain

    monkeypatch.setattr(light, "RESOLVER", Resolver())
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
