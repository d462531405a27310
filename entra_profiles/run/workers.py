"""A large batch spread over worker processes on one machine: every core does its share.

The selection is split with run/partition.py (by tenant, so that a tenant's discovery is shared inside
one worker), the same partition `--shard` uses across machines. The parent process runs the first part
itself; each other part runs in a worker process (`python -m entra_profiles.run.workers`) that gets the
loaded ProfileSet, its names, the sandbox and the RunOptions on stdin, runs them with `connect_all`, and
streams each ProfileResult back on stdout as it finishes (a pickle each: plain dataclasses). Results are
redacted in the worker (it alone knows the Key Vault values it read) and again in the parent's output.

A worker that dies loses no profile: those it had not reported fail with `worker`. A worker that hangs
is given up on once its part's deadline (every profile's --timeout, in waves, from the moment it said it
started) has passed: it is killed, and its unfinished profiles fail with `timeout`. Ctrl-C reaches the whole
process group: each worker stops, what finished is reported, the rest is `interrupted`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from pydantic import BaseModel, SecretStr

from entra_profiles.config.loader import ProfileSet
from entra_profiles.redact import REDACTOR
from entra_profiles.results import Failure, ProfileResult, RunInterrupted
from entra_profiles.routing import SandboxInfo
from entra_profiles.run.partition import partition
from entra_profiles.run.runner import GRACE_S, Progress, RunOptions, connect_all
from entra_profiles.run.worker_wire import read_messages, send_result, write_message

STARTUP_ALLOWANCE_S = 60.0  # a worker's interpreter start and imports, on a loaded machine
STARTED = "started"  # a worker's first message: it has its job and is connecting


def run_in_workers(
    ps: ProfileSet,
    names: list[str],
    sandbox: SandboxInfo | None,
    options: RunOptions,
    workers: int,
    progress: Progress | None = None,
) -> list[ProfileResult]:
    """Every profile's result, in selection order; the first part runs here, the others in workers."""
    parts = [p for p in partition(names, workers, key=lambda n: _tenant_key(ps, n)) if p]
    options = replace(options, concurrency=-(-options.concurrency // len(parts)))  # each part its share
    results: dict[str, ProfileResult] = {}
    merged: queue.SimpleQueue[ProfileResult | _Ended] = queue.SimpleQueue()
    children = [_Child.start(ps, part, sandbox, options, merged) for part in parts[1:]]

    def record(result: ProfileResult) -> None:
        if result.name not in results:
            results[result.name] = result
            if progress:
                progress(result, len(results), len(names))

    def collect(block: bool) -> None:
        while True:
            try:
                item = merged.get(timeout=0.5) if block else merged.get_nowait()
            except queue.Empty:
                return
            if isinstance(item, ProfileResult):
                record(item)
            else:
                for name in item.child.part:
                    if name not in results:
                        record(ProfileResult(name, error=item.failure(name), duration_s=item.after))
            block = False

    try:
        here = threading.Thread(target=_run_here, args=(ps, parts[0], sandbox, options, merged), daemon=True)
        here.start()
        while len(results) < len(names):
            collect(block=True)
            for child in children:
                child.give_up_if_late(options)
    except KeyboardInterrupt:
        for child in children:
            child.interrupt()
        end = time.monotonic() + 2.0  # what the workers finished is on its way: read it
        while time.monotonic() < end and not all(c.ended.is_set() for c in children):
            with contextlib.suppress(queue.Empty):
                item = merged.get(timeout=0.1)
                if isinstance(item, ProfileResult):
                    record(item)
        collect(block=False)
        raise RunInterrupted([results.get(n) or ProfileResult(n, interrupted=True) for n in names]) from None
    finally:
        for child in children:
            child.kill()
    return [results[n] for n in names]


def _run_here(
    ps: ProfileSet,
    part: list[str],
    sandbox: SandboxInfo | None,
    options: RunOptions,
    merged: queue.SimpleQueue[ProfileResult | _Ended],
) -> None:
    try:
        connect_all(ps, part, sandbox, options, merged.put)
    except Exception as exc:  # a bug: the part's profiles fail (those reported already keep their result)
        for name in part:
            merged.put(ProfileResult(name, error=Failure("failed", f"{type(exc).__name__}: {exc}")))


def _part_of(ps: ProfileSet, part: list[str]) -> ProfileSet:
    """What a worker needs of the loaded file: its profiles, and the profiles that read their vaults."""
    keep, todo = set(part), list(part)
    while todo:
        profile = ps.profiles[todo.pop()]
        reader = profile.keyvault_credential or ps.keyvault_credential or ""
        kind, _, name = reader.partition(":")
        if kind == "profile" and name in ps.profiles and name not in keep:
            keep.add(name)
            todo.append(name)

    def only(mapping: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in mapping.items() if k in keep}

    return replace(
        ps,
        profiles=only(ps.profiles),
        names=[n for n in ps.names if n in keep],
        tags={},
        groups={},
        problems=[],
        deferred=only(ps.deferred),
        origins=only(ps.origins),
        resolved_from=only(ps.resolved_from),
        certificates=only(ps.certificates),
    )


def _tenant_key(ps: ProfileSet, name: str) -> str:
    """The tenant as the profile names it: the key `--shard-by tenant` partitions by."""
    return ps.profiles[name].tenant


class _Ended:
    """A worker's stream ended; the profiles it had not reported fail (`failure`)."""

    def __init__(self, child: _Child, code: int | None, after: float) -> None:
        self.child, self.code, self.after = child, code, after

    def failure(self, name: str) -> Failure:
        if self.child.gave_up is not None:
            return Failure("timeout", f"gave up after {self.child.gave_up:g} s", None)
        how = f"exit code {self.code}" if self.code is not None and self.code >= 0 else f"signal {-(self.code or 0)}"
        return Failure(
            "worker",
            f"the worker process running {name} ended ({how}) before it finished",
            "run again; with --workers 1 the batch runs in one process",
        )


class _Child:
    """One worker process and the thread reading its results."""

    def __init__(self, process: subprocess.Popen[bytes], part: list[str]) -> None:
        self.process, self.part = process, part
        self.ended = threading.Event()
        self.spawned = time.monotonic()
        self.started: float | None = None  # when it said it had its job
        self.gave_up: float | None = None  # the --timeout, once its deadline passed and it was killed

    def give_up_if_late(self, options: RunOptions) -> None:
        """Kill a worker past its part's deadline (or that never started): a batch ends by its deadline."""
        if self.ended.is_set() or self.gave_up is not None:
            return
        timeout = options.connect.timeout
        waves = -(-len(self.part) // options.concurrency) + 1  # + 1: its Key Vault references, if any
        if self.started is None:
            late = time.monotonic() > self.spawned + STARTUP_ALLOWANCE_S
        else:
            late = time.monotonic() > self.started + (timeout + GRACE_S) * waves
        if late:
            self.gave_up = timeout
            self.kill()

    @classmethod
    def start(
        cls,
        ps: ProfileSet,
        part: list[str],
        sandbox: SandboxInfo | None,
        options: RunOptions,
        merged: queue.SimpleQueue[ProfileResult | _Ended],
    ) -> _Child:
        process = subprocess.Popen(
            [sys.executable, "-m", "entra_profiles.run.workers"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
        )
        child = cls(process, part)
        debug = logging.getLogger().isEnabledFor(logging.DEBUG)  # the parent's --debug (logs.setup)
        task = (_part_of(ps, part), part, sandbox, replace(options, workers=1), debug)
        job = pickle.dumps(task, protocol=pickle.HIGHEST_PROTOCOL)
        threading.Thread(target=child._feed, args=(job,), name="worker-feed", daemon=True).start()
        threading.Thread(target=child._read, args=(merged,), name="worker-read", daemon=True).start()
        return child

    def _feed(self, job: bytes) -> None:
        assert self.process.stdin is not None
        with contextlib.suppress(OSError):
            self.process.stdin.write(job)
            self.process.stdin.close()

    def _read(self, merged: queue.SimpleQueue[ProfileResult | _Ended]) -> None:
        assert self.process.stdout is not None
        began = time.monotonic()
        try:
            for result in read_messages(self.process.stdout):
                if isinstance(result, ProfileResult):
                    merged.put(result)
                else:
                    self.started = time.monotonic()
        finally:
            code = self.process.wait()
            self.ended.set()
            merged.put(_Ended(self, code, time.monotonic() - began))

    def interrupt(self) -> None:
        with contextlib.suppress(OSError):
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGINT)

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            if self.process.poll() is None:
                self.process.kill()


def worker_main() -> int:
    """A worker process: a job on stdin, a result per profile on stdout as each finishes. Set up as the
    parent is (cli.main): no core dumps, logging through the redactor with the libraries quiet, and the
    part's secrets known to the redactor; a failure of its own is one line, never a traceback."""
    from entra_profiles.cli import no_core_dumps
    from entra_profiles.logs import setup

    no_core_dumps()  # execve made this process dumpable again
    results = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything else printed goes to stderr, never into the results
    lock = threading.Lock()
    try:
        ps, part, sandbox, options, debug = pickle.load(sys.stdin.buffer)
        setup(debug)
        for name in part:
            if name in ps.profiles:
                REDACTOR.register_many(_secret_values(ps.profiles[name]))
        write_message(results, STARTED, lock)
        connect_all(ps, part, sandbox, options, lambda r: send_result(results, r, lock))
    except KeyboardInterrupt:
        return 130  # what finished was sent; the parent reports the rest as interrupted
    except BrokenPipeError:
        return 1  # the parent went away
    except Exception as exc:  # the parent fails what this worker did not report
        print(REDACTOR.redact(f"error: a worker process failed: {type(exc).__name__}: {exc}"), file=sys.stderr)
        return 3
    finally:
        with contextlib.suppress(OSError):
            results.close()
    return 0


def _secret_values(model: BaseModel) -> Iterator[str]:
    """Every secret field's value in a profile (a client secret, a certificate's password)."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, SecretStr):
            yield value.get_secret_value()
        elif isinstance(value, BaseModel):
            yield from _secret_values(value)


if __name__ == "__main__":
    sys.exit(worker_main())
