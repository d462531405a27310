"""Host names looked up for the run's HTTP client with a bounded wait, each answer shared for a minute.

`socket.create_connection` asks getaddrinfo, which blocks for as long as the system resolver takes: its
timeout times its attempts, for each name server (30 s and more with a broken resolv.conf). That wait is
beyond the connect timeout, and no socket exists yet for a profile's deadline to cut (deadlines.guarded).
Here the lookup runs on a thread of its own and the asker waits for it no longer than its connect
timeout, which keeps to the profile's deadline; a lookup that outlasts it fails as a TimeoutError.
Askers of the same name at the same time share one lookup, and an answer is kept for KEEP_S, so that
the profiles of a batch (of a process) do not ask again per connection. A failed lookup is not kept: the
next asker asks again. An IP address is not looked up. `connect` is socket.create_connection on top.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any

KEEP_S = 60.0  # how long an answer serves (far below any DNS record's usual TTL of minutes to hours)

Key = tuple[str, int]
Address = tuple[int, Any]  # a socket family and an address of it (IPv6: with its flow info and scope id)


class Resolver:
    def __init__(self) -> None:
        self._answers: dict[Key, tuple[float, Future[list[Address]]]] = {}
        self._lock = threading.Lock()

    def addresses(self, host: str, port: int, timeout: float) -> list[Address]:
        """The addresses of `host`, in the resolver's order; waits at most `timeout` seconds (TimeoutError),
        socket.gaierror when the name does not resolve."""
        if _is_ip(host):
            return _found(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST))
        key = (host, port)
        now = time.monotonic()
        with self._lock:
            kept = self._answers.get(key)
            if kept is None or _stale(kept, now):
                kept = self._answers[key] = (now, Future())
                try:
                    threading.Thread(target=_look_up, args=(host, port, kept[1]), name="resolve", daemon=True).start()
                except BaseException as exc:  # no thread to be had: this lookup fails, the next asks again
                    kept[1].set_exception(exc)
        try:
            return kept[1].result(timeout=max(0.0, timeout))
        except TimeoutError:
            raise TimeoutError(f"looking up {host} took longer than {timeout:g} s") from None


def connect(
    host: str,
    port: int,
    timeout: float,
    source_address: tuple[str, int] | None = None,
    socket_options: Sequence[tuple[int, int, int | bytes]] | None = None,
) -> socket.socket:
    """As socket.create_connection: each address of `host` in turn until one connects, else the last
    failure, all of it within `timeout` (the lookup's wait included); an address gets its share of the
    time left, so that one that drops connection attempts leaves time for the next."""
    ends = time.monotonic() + timeout
    found = RESOLVER.addresses(host, port, timeout)
    failure: OSError | None = None
    for i, (family, address) in enumerate(found):
        left = ends - time.monotonic()
        if left <= 0:
            break
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            for option in socket_options or ():
                sock.setsockopt(*option)
            sock.settimeout(left / (len(found) - i))
            if source_address:
                sock.bind(source_address)
            sock.connect(address)
            return sock
        except OSError as exc:
            sock.close()
            failure = exc
    raise failure if failure is not None else TimeoutError("timed out")


def _stale(kept: tuple[float, Future[list[Address]]], now: float) -> bool:
    asked, answer = kept
    if not answer.done():
        return False  # still asking: wait for that lookup
    return answer.exception() is not None or now - asked > KEEP_S


def _look_up(host: str, port: int, answer: Future[list[Address]]) -> None:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except BaseException as exc:  # gaierror, or anything else: the askers get it
        answer.set_exception(exc)
        return
    answer.set_result(_found(found))


def _found(entries: list[Any]) -> list[Address]:
    """getaddrinfo's entries as (family, address), each once, in its order."""
    return list(dict.fromkeys((int(family), address) for family, _, _, _, address in entries))


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


RESOLVER = Resolver()
