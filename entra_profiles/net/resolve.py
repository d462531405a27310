"""Host names looked up for the run's HTTP client with a bounded wait, each answer shared for a minute.

`socket.create_connection` asks getaddrinfo, which blocks for as long as the system resolver takes: its
timeout times its attempts, for each name server (30 s and more with a broken resolv.conf). That wait is
beyond the connect timeout, and no socket exists yet for a profile's deadline to cut (deadlines.guarded).
Here the lookup runs on a thread of its own and the asker waits for it no longer than its connect
timeout, which keeps to the profile's deadline; a lookup that outlasts it fails as a TimeoutError.
Askers of the same name at the same time share one lookup, and an answer is kept for KEEP_S, so that
the profiles of a batch do not ask again per connection. A failed lookup is not kept: the next asker
asks again. An IP address is not looked up.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from concurrent.futures import Future

KEEP_S = 60.0  # how long an answer serves (far below any DNS record's usual TTL of minutes to hours)

Key = tuple[str, int]


class Resolver:
    def __init__(self) -> None:
        self._answers: dict[Key, tuple[float, Future[list[str]]]] = {}
        self._lock = threading.Lock()

    def addresses(self, host: str, port: int, timeout: float) -> list[str]:
        """The IP addresses of `host`, in the resolver's order; waits at most `timeout` seconds (TimeoutError),
        socket.gaierror when the name does not resolve."""
        if _is_ip(host):
            return [host]
        key = (host, port)
        now = time.monotonic()
        with self._lock:
            kept = self._answers.get(key)
            if kept is None or _stale(kept, now):
                kept = self._answers[key] = (now, Future())
                threading.Thread(target=_look_up, args=(host, port, kept[1]), name="resolve", daemon=True).start()
        try:
            return kept[1].result(timeout=max(0.0, timeout))
        except TimeoutError:
            raise TimeoutError(f"looking up {host} took longer than {timeout:g} s") from None


def _stale(kept: tuple[float, Future[list[str]]], now: float) -> bool:
    asked, answer = kept
    if not answer.done():
        return False  # still asking: wait for that lookup
    return answer.exception() is not None or now - asked > KEEP_S


def _look_up(host: str, port: int, answer: Future[list[str]]) -> None:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except BaseException as exc:  # gaierror, or anything else: the askers get it
        answer.set_exception(exc)
        return
    answer.set_result(list(dict.fromkeys(str(entry[4][0]) for entry in found)))


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


RESOLVER = Resolver()
