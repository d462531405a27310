"""A tenant's OpenID discovery document, fetched once per run and handed to every profile of the tenant.

msal asks for it once per credential, and a run builds one credential per profile. Only a successful
answer is shared, never a failure: a profile whose shared fetch failed, or is still waiting at half its
remaining time, fetches its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Generic, TypeVar

from entra_profiles.net.trace import trace

DISCOVERY_SUFFIX = "/v2.0/.well-known/openid-configuration"
SHARED_WAIT_S = 10.0  # how long a profile outside any deadline waits for another's discovery fetch

R = TypeVar("R")


def is_discovery(method: str, url: str) -> bool:
    return method == "GET" and url.split("?")[0].endswith(DISCOVERY_SUFFIX)


class SharedFetches(Generic[R]):
    """The successful answer to each URL, fetched once by whichever profile asks first (`send`); `ok`
    says whether an answer may be shared (it must be read whole by then)."""

    def __init__(self, ok: Callable[[R], bool]) -> None:
        self._ok = ok
        self._answers: dict[str, R] = {}
        self._flights: dict[str, Future[R]] = {}
        self._guard = threading.Lock()

    def fetch(self, url: str, send: Callable[[], R]) -> R:
        with self._guard:
            cached = self._answers.get(url)
            if cached is not None:
                return cached
            flight = self._flights.get(url)
            leader = flight is None
            if flight is None:
                flight = self._flights[url] = Future()
        if not leader:
            deadline = trace().deadline
            patience = SHARED_WAIT_S if deadline is None else deadline.left() / 2
            try:
                answer = flight.result(timeout=patience)
                if self._ok(answer):
                    return answer
            except Exception:  # the shared fetch failed or stalled: ours is our own
                pass
            return send()
        try:
            answer = send()
            if self._ok(answer):
                with self._guard:
                    self._answers[url] = answer
            flight.set_result(answer)
            return answer
        except BaseException as exc:
            flight.set_exception(exc)
            raise
        finally:
            with self._guard:
                self._flights.pop(url, None)
