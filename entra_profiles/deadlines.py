"""Deadlines: every wait of a profile ends when its --timeout runs out, whatever a server does.

A read timeout is no deadline: a server that trickles a byte a second never trips one. So each call
that may wait on the network runs on a daemon thread and is abandoned at the deadline (the thread
ends by itself, or with the process); and no thread of ours keeps the process alive once its report
is written.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import queue
import random
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

from entra_profiles.net.trace import Trace, adopt, trace

T = TypeVar("T")
DEFAULT_TIMEOUT = 60.0  # the --timeout default of every command


@dataclass(frozen=True)
class Deadline:
    """When a profile stops waiting (time.monotonic()), and the --timeout it stands for."""

    at: float
    budget: float

    @classmethod
    def start(cls, seconds: float, spent: float = 0.0) -> Deadline:
        """A deadline `seconds` from the moment `spent` seconds ago."""
        return cls(time.monotonic() + seconds - spent, seconds)

    def left(self) -> float:
        return max(0.0, self.at - time.monotonic())

    def passed(self) -> bool:
        return time.monotonic() >= self.at


class DeadlineExceeded(TimeoutError):
    """The profile's --timeout ran out while waiting; the Trace says for what."""


def within(deadline: Deadline, func: Callable[..., T], *args: Any) -> T:
    """`func(*args)` on a daemon thread that records in the caller's Trace; DeadlineExceeded at the
    deadline while the thread, abandoned, finishes on its own."""
    shared = trace()
    shared.deadline = deadline
    if deadline.passed():
        raise DeadlineExceeded("the profile's --timeout ran out")
    box: dict[str, Any] = {}
    done = threading.Event()

    def work() -> None:
        adopt(shared)
        try:
            box["value"] = func(*args)
        except BaseException as exc:
            box["error"] = exc
        done.set()

    _HELPERS.run(work)
    if not done.wait(deadline.left()):
        raise DeadlineExceeded("the profile's --timeout ran out")
    if "error" in box:
        raise box["error"]
    value: T = box["value"]
    return value


def guarded(deadline: Deadline, func: Callable[..., T], *args: Any) -> T:
    """`func(*args)` in this thread, for a call whose client records its socket in the Trace
    (net/light.py): at the deadline a watchdog shuts that socket down, so the call ends there, and
    DeadlineExceeded is raised. No thread per call, unlike `within`."""
    shared = trace()
    shared.deadline = deadline
    if deadline.passed():
        raise DeadlineExceeded("the profile's --timeout ran out")
    watch = _WATCHDOG.watch(deadline, shared)
    try:
        value = func(*args)
    except Exception as exc:
        if deadline.passed():
            raise DeadlineExceeded("the profile's --timeout ran out") from exc
        raise
    finally:
        _WATCHDOG.unwatch(watch)
    if deadline.passed():
        raise DeadlineExceeded("the profile's --timeout ran out")
    return value


class _Watchdog:
    """One daemon thread that, at each watched call's deadline, cuts the request it waits on."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int]] = []
        self._live: dict[int, Trace] = {}
        self._ids = itertools.count()
        self._started = False

    def watch(self, deadline: Deadline, record: Trace) -> int:
        with self._cond:
            key = next(self._ids)
            self._live[key] = record
            heapq.heappush(self._heap, (deadline.at, key))
            if not self._started:
                self._started = True
                threading.Thread(target=self._run, name="watchdog", daemon=True).start()
            elif self._heap[0][1] == key:  # sooner than what it waits for; else it wakes in time anyway
                self._cond.notify()
            return key

    def unwatch(self, key: int) -> None:
        with self._cond:
            self._live.pop(key, None)

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0][1] not in self._live:
                    heapq.heappop(self._heap)  # ended in time
                wait = self._heap[0][0] - time.monotonic() if self._heap else None
                if wait is None or wait > 0:
                    self._cond.wait(wait)
                    continue
                _, key = heapq.heappop(self._heap)
                record = self._live.pop(key, None)
            if record is not None:
                cut(record)


def cut(record: Trace) -> None:
    """End the request `record` waits on (and any it starts from now on)."""
    record.aborted = True
    sock = record.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


_WATCHDOG = _Watchdog()


class _Helpers:
    """The daemon threads `within` runs calls on, reused: a thread is started only when none is idle (one
    that was abandoned at a deadline is idle again once its call ends, whenever that is)."""

    def __init__(self) -> None:
        self._idle: list[queue.SimpleQueue[Callable[[], None]]] = []
        self._lock = threading.Lock()

    def run(self, job: Callable[[], None]) -> None:
        with self._lock:
            inbox = self._idle.pop() if self._idle else None
        if inbox is None:
            inbox = queue.SimpleQueue()
            threading.Thread(target=self._serve, args=(inbox,), name="within", daemon=True).start()
        inbox.put(job)

    def _serve(self, inbox: queue.SimpleQueue[Callable[[], None]]) -> None:
        while True:
            inbox.get()()
            with self._lock:
                self._idle.append(inbox)


_HELPERS = _Helpers()


CUT_SLACK_S = 0.05  # an attempt that failed this close to the deadline was cut short by it
LAST_ATTEMPT_SHARE = 0.15  # a retry starts only with this share of the budget left after its delay


def retrying(
    call: Callable[[], T],
    deadline: Deadline,
    retries: int,
    retryable: Callable[[BaseException], bool],
    retry_after: Callable[[BaseException], float | None] = lambda _: None,
    between: Callable[[], None] | None = None,
    backoff: float = 0.5,
    max_delay: float = 10.0,
) -> T:
    """`call()` again after a retryable failure, up to `retries` times: after the server's Retry-After,
    else an exponential backoff with jitter; never past the deadline, and only with LAST_ATTEMPT_SHARE of
    the budget left after the delay (an attempt started at the last moment would end in a timeout that
    hides what failed). What is raised is the last failure, or the one before when the deadline cut the
    last attempt short (it says more)."""
    attempt = 0
    failed: Exception | None = None
    while True:
        before = failed  # raised instead when the deadline cuts this attempt short: it says more
        try:
            return call()
        except DeadlineExceeded:
            if before is None:
                raise
        except Exception as exc:
            failed = exc
            cut = before is not None and deadline.left() <= CUT_SLACK_S and _is_cut(exc)  # the cut, wrapped
            if not cut:
                if attempt >= retries or not retryable(exc):
                    raise
                delay = retry_after(exc)
                if delay is None:
                    delay = min(max_delay, backoff * 2**attempt) * random.uniform(0.5, 1.5)
                if time.monotonic() + delay + deadline.budget * LAST_ATTEMPT_SHARE >= deadline.at:
                    raise  # an attempt the deadline would likely cut would only hide this failure behind a timeout
                time.sleep(delay)
                if between is not None:
                    between()
                attempt += 1
                continue
        # Raised here, outside the handler: inside it, Python would chain the cut attempt's error to it
        # (__context__), and the failure would still read as a timeout (net/causes.chain follows it).
        assert before is not None
        raise before


def _is_cut(exc: BaseException) -> bool:
    """A failure that is the deadline's cut, whatever wraps it: a timeout somewhere in its chain, or an
    error of ours that says it timed out (a CI token's CiTokenUnavailable, code `timeout`)."""
    from entra_profiles.net.causes import chain, is_timeout

    return is_timeout(exc) or any(getattr(e, "code", None) == "timeout" for e in chain(exc))


class DaemonPool:
    """At most `workers` daemon threads working through submitted calls. Unlike ThreadPoolExecutor,
    whose threads the interpreter joins at exit, a worker stuck on a silent server never holds the
    process once the caller has stopped waiting."""

    def __init__(self, workers: int, name: str) -> None:
        self._size = max(1, workers)
        self._name = name
        self._queue: queue.SimpleQueue[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]] | None] = (
            queue.SimpleQueue()
        )
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, func: Callable[..., T], *args: Any) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the pool is shut down")
            self._queue.put((future, func, args))
            if len(self._threads) < self._size:
                thread = threading.Thread(target=self._work, name=f"{self._name}-{len(self._threads)}", daemon=True)
                self._threads.append(thread)
                thread.start()
        return future

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            future, func, args = item
            if not future.set_running_or_notify_cancel():
                continue
            adopt(Trace())  # each call records its own requests
            try:
                future.set_result(func(*args))
            except BaseException as exc:
                future.set_exception(exc)

    def shutdown(self) -> None:
        """Cancel what has not started; running calls finish (or are abandoned) on their own."""
        with self._lock:
            self._closed = True
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    item[0].cancel()
            for _ in self._threads:
                self._queue.put(None)
