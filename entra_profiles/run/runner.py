"""Run a batch: connect the selected profiles concurrently, each isolated, results in selection order.

`connect_all` is one worker's part of a batch: a pool of daemon threads pulls the profiles one at a
time (at most --concurrency at once, none queued up front) and hands each result over as it finishes.
Profiles without Key Vault references start at once; the references of the others are read meanwhile,
and each of those profiles then connects with what is left of its --timeout. A large batch spreads over
worker processes (run/workers.py), each running its part with `connect_all`. Every thread is a daemon:
one stuck on a silent server never keeps the process alive once the report is written.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from entra_profiles.config.loader import ProfileSet
from entra_profiles.config.models import Certificate, ClientSecret, WorkloadIdentity
from entra_profiles.credentials.options import Transports
from entra_profiles.credentials.process_env import release_all
from entra_profiles.deadlines import Deadline
from entra_profiles.net.trace import Trace, adopt
from entra_profiles.results import Failure, ProfileResult, RunInterrupted
from entra_profiles.routing import SandboxInfo, route_for
from entra_profiles.run.heap import quiet_collector
from entra_profiles.run.options import ConnectOptions

GRACE_S = 5.0  # beyond a profile's own deadline, before the runner stops waiting for it
DISCOVERING = (ClientSecret, Certificate, WorkloadIdentity)  # msal's clients discover the tenant first
PROFILES_PER_WORKER = 500  # a worker process pays off from about this many profiles (its start-up: ~0.5 s)
# A certificate a process loads costs about as much CPU as this many profiles: cryptography checks its RSA
# key (~35 ms of one core for 2048 bits; credentials/certfile.py loads each once per process).
CERTIFICATE_WEIGHT = 25


@dataclass(frozen=True)
class RunOptions:
    concurrency: int = 64  # profiles connecting at once, in all: each worker process has its share
    connect: ConnectOptions = field(default_factory=ConnectOptions)
    shared_pool: bool = True
    workers: int | None = None  # None: default_workers()


Progress = Callable[[ProfileResult, int, int], None]
Emit = Callable[[ProfileResult], None]


def default_workers(profiles: int, cpus: int | None = None, certificates: int = 0) -> int:
    """One worker process per PROFILES_PER_WORKER profiles' worth of work, a distinct certificate counting
    as CERTIFICATE_WEIGHT profiles, at most one per core; 1 for small batches, where starting a process
    would cost more than it saves."""
    work = profiles + CERTIFICATE_WEIGHT * certificates
    return max(1, min(cpus or os.cpu_count() or 1, work // PROFILES_PER_WORKER))


def distinct_certificates(ps: ProfileSet, names: list[str]) -> int:
    """How many distinct certificate files and Key Vault certificates the profiles `names` load (a store's
    are scanned once per process whatever the profiles ask of it: not counted)."""
    seen: set[str] = set()
    for name in names:
        credential = ps.profiles[name].credential
        if isinstance(credential, Certificate) and credential.keyvault is not None:
            seen.add(f"keyvault:{credential.keyvault}")
        elif isinstance(credential, Certificate) and credential.path is not None:
            seen.add(f"file:{os.path.normpath(ps.file.parent / os.path.expanduser(credential.path))}")
    return len(seen)


def run_profiles(
    ps: ProfileSet,
    names: list[str],
    sandbox: SandboxInfo | None,
    options: RunOptions,
    progress: Progress | None = None,
) -> list[ProfileResult]:
    """Connect each named profile, reading its Key Vault references first (its --timeout covers both);
    RunInterrupted on Ctrl-C, with what finished."""
    workers = options.workers or default_workers(len(names), certificates=distinct_certificates(ps, names))
    if workers > 1 and len(names) > 1:
        from entra_profiles.run.workers import run_in_workers

        return run_in_workers(ps, names, sandbox, options, workers, progress)
    results: dict[str, ProfileResult] = {}

    def record(result: ProfileResult) -> None:
        results[result.name] = result
        if progress:
            progress(result, len(results), len(names))

    try:
        connect_all(ps, names, sandbox, options, record)
    except KeyboardInterrupt:
        raise RunInterrupted([results.get(n) or ProfileResult(n, interrupted=True) for n in names]) from None
    return [results[n] for n in names]


def connect_all(ps: ProfileSet, names: list[str], sandbox: SandboxInfo | None, options: RunOptions, emit: Emit) -> None:
    """Connect `names` (one worker's part of a batch), handing each result to `emit` as it finishes, in
    this thread; every profile gets exactly one result. KeyboardInterrupt stops it at once."""
    timeout = options.connect.timeout
    transports = Transports.within(
        timeout, concurrency=options.concurrency, shared=options.shared_pool, retries=options.connect.retries
    )
    finished: queue.SimpleQueue[ProfileResult] = queue.SimpleQueue()
    stop = threading.Event()
    vaulted = [n for n in names if n in ps.deferred]
    jobs = _Jobs(ps, names, vaulted, sandbox, options, finished)
    started = time.monotonic()
    with quiet_collector():
        try:
            if options.shared_pool:  # on the wire before msal is imported: the imports take the wait
                _prefetch_discovery(ps, names, sandbox, transports, options.concurrency, stop)
            # Started before the imports, while this thread can start them at once: once the connecting
            # threads are busy, each start waits for its turn at the GIL (~5 ms), the last ones ~0.3 s.
            threads = min(options.concurrency, len(names))
            for i in range(threads):
                worker = threading.Thread(target=jobs.work, args=(transports, stop), name=f"connect-{i}", daemon=True)
                worker.start()
            try:
                _import_first(ps, names)
            except BaseException:  # Ctrl-C: the threads stop instead of importing it again
                stop.set()
                raise
            finally:
                jobs.imported.set()
            # A batch can never take longer than every profile running once, in turn, to its deadline.
            waves = -(-len(names) // max(1, threads)) + (1 if vaulted else 0)
            give_up = started + (timeout + GRACE_S) * waves
            done: set[str] = set()
            while len(done) < len(names):
                try:
                    result = finished.get(timeout=max(0.0, min(1.0, give_up - time.monotonic())))
                except queue.Empty:
                    if time.monotonic() < give_up:
                        continue
                    stop.set()
                    for name in names:
                        if name not in done:
                            failure = Failure("timeout", f"gave up after {timeout:g} s", None)
                            emit(ProfileResult(name, error=failure, duration_s=timeout))
                    return
                if result.name not in done:
                    done.add(result.name)
                    emit(result)
        finally:
            stop.set()
            transports.close()
            release_all()


def _import_first(ps: ProfileSet, names: list[str]) -> None:
    """What the connecting threads need, imported here once, not by many threads contending for the
    import lock (msal imports msal_extensions, if installed, with its first application)."""
    import contextlib

    import msal  # noqa: F401

    from entra_profiles.context import token_claims  # noqa: F401
    from entra_profiles.credentials import confidential, factory, secret  # noqa: F401
    from entra_profiles.run.connect import connect  # noqa: F401

    with contextlib.suppress(ImportError):
        import msal_extensions  # type: ignore[import-untyped]  # noqa: F401
    credentials = [ps.profiles[n].credential for n in names]
    if any(isinstance(c, Certificate) for c in credentials):
        from entra_profiles.credentials import certificate  # noqa: F401
    if not all(_discovers(c) for c in credentials):  # managed identities, Azure Pipelines: azure-identity's
        import azure.identity  # noqa: F401


def _discovers(credential: Any) -> bool:
    """Signs in with msal directly (credentials/confidential.py), which asks for the tenant's discovery
    document first."""
    return isinstance(credential, DISCOVERING) and not (
        isinstance(credential, WorkloadIdentity) and credential.azure_pipelines
    )


class _Jobs:
    """The profiles of a part, handed out one at a time: those without Key Vault references first, the
    others once their references are read (started at once, on a thread of their own)."""

    def __init__(
        self,
        ps: ProfileSet,
        names: list[str],
        vaulted: list[str],
        sandbox: SandboxInfo | None,
        options: RunOptions,
        finished: queue.SimpleQueue[ProfileResult],
    ) -> None:
        self.ps, self.sandbox, self.options, self.finished = ps, sandbox, options, finished
        self._lock = threading.Lock()
        self.imported = threading.Event()  # what connecting needs is imported (connect_all does it once)
        self._resolved: queue.SimpleQueue[tuple[ProfileSet, list[str], float]] = queue.SimpleQueue()
        self._order = self._each([n for n in names if n not in ps.deferred], vaulted)
        if vaulted:
            threading.Thread(target=self._read_references, args=(vaulted,), name="vault", daemon=True).start()

    def _read_references(self, vaulted: list[str]) -> None:
        from entra_profiles.references.deferred import resolve_deferred

        read_from = time.monotonic()
        limit = Deadline.start(self.options.connect.timeout)
        try:
            resolved, failed = resolve_deferred(
                self.ps, vaulted, self.sandbox, limit, retries=self.options.connect.retries
            )
        except Exception as exc:  # a bug: every such profile fails, none is lost
            failure = Failure("failed", f"reading Key Vault references failed: {type(exc).__name__}: {exc}", None)
            resolved, failed = self.ps, {n: ProfileResult(n, error=failure) for n in vaulted}
        spent = time.monotonic() - read_from
        for result in failed.values():
            result.duration_s = spent
            self.finished.put(result)
        self._resolved.put((resolved, [n for n in vaulted if n not in failed], spent))

    def _each(self, plain: list[str], vaulted: list[str]) -> Iterator[tuple[ProfileSet, str, float]]:
        for name in plain:
            yield self.ps, name, 0.0
        if vaulted:
            resolved, ready, spent = self._resolved.get()  # the other workers wait here too: nothing else is left
            for name in ready:
                yield resolved, name, spent

    def work(self, transports: Transports, stop: threading.Event) -> None:
        self.imported.wait()
        if stop.is_set():
            return
        from entra_profiles.run.connect import connect  # imported by connect_all already

        while not stop.is_set():
            with self._lock:
                job = next(self._order, None)
            if job is None:
                return
            batch, name, spent = job
            adopt(Trace())  # each profile records its own requests
            profile = batch.profiles[name]
            cloud = batch.cloud(profile.cloud)
            route = route_for(cloud, self.sandbox)
            material = batch.certificates.get(name)
            try:
                result = connect(
                    name, profile, cloud, route, transports, batch.file.parent, self.options.connect, material, spent
                )
            except BaseException as exc:  # a bug: the profile fails, the batch goes on
                result = ProfileResult(name, error=Failure("failed", f"{type(exc).__name__}: {exc}", None))
            self.finished.put(result)


def _prefetch_discovery(
    ps: ProfileSet,
    names: list[str],
    sandbox: SandboxInfo | None,
    transports: Transports,
    concurrency: int,
    stop: threading.Event,
) -> None:
    """Ask for the discovery document of each tenant with several profiles before they do, a few tenants
    at a time, in the order their profiles come: the profiles of a tenant then share the answer
    (net/shared_fetch.py), or fetch their own when it fails or is slow. A profile with Key Vault
    references is left out: they may fail, and its tenant may be one of them."""
    count: dict[tuple[str, str, str | None], int] = {}
    routes: dict[tuple[str, str, str | None], tuple[Any, str, str]] = {}
    for name in names:
        profile = ps.profiles[name]
        if not _discovers(profile.credential) or name in ps.deferred:
            continue
        route = route_for(ps.cloud(profile.cloud), sandbox)
        key = (route.authority_host, profile.tenant, route.ca_bundle)
        count[key] = count.get(key, 0) + 1
        if key not in routes:
            routes[key] = (transports.light_for(route)[0], route.authority_host, profile.tenant)
    tenants = [routes[key] for key, n in count.items() if n > 1]  # one profile alone asks for itself
    if not tenants:
        return
    todo = iter(tenants)
    lock = threading.Lock()

    def fetch() -> None:
        while not stop.is_set():
            with lock:
                item = next(todo, None)
            if item is None:
                return
            http, host, tenant = item
            adopt(Trace())
            http.prefetch_discovery(host, tenant)

    for i in range(min(len(tenants), max(2, concurrency // 2))):
        threading.Thread(target=fetch, name=f"prefetch-{i}", daemon=True).start()
