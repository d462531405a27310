"""Run a batch: connect the selected profiles concurrently, each isolated, results in selection order.

Profiles without Key Vault references start at once; the references of the others are read meanwhile,
and each of those profiles then connects with what is left of its --timeout. Every worker is a daemon
thread: one stuck on a silent server never keeps the process alive once the report is written.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field

from entra_profiles.config.loader import ProfileSet
from entra_profiles.config.models import Certificate, ClientSecret
from entra_profiles.credentials.options import Transports
from entra_profiles.credentials.process_env import release_all
from entra_profiles.deadlines import DaemonPool, Deadline
from entra_profiles.results import Failure, ProfileResult, RunInterrupted
from entra_profiles.routing import SandboxInfo, route_for
from entra_profiles.run.connect import ConnectOptions, connect

GRACE_S = 5.0  # beyond a profile's own deadline, before the runner stops waiting for it
DISCOVERING = (ClientSecret, Certificate)  # msal confidential clients discover the tenant first


@dataclass(frozen=True)
class RunOptions:
    concurrency: int = 16
    connect: ConnectOptions = field(default_factory=ConnectOptions)
    shared_pool: bool = True


Progress = Callable[[ProfileResult, int, int], None]


def run_profiles(
    ps: ProfileSet,
    names: list[str],
    sandbox: SandboxInfo | None,
    options: RunOptions,
    progress: Progress | None = None,
) -> list[ProfileResult]:
    """Connect each named profile, reading its Key Vault references first (its --timeout covers both)."""
    import azure.identity  # noqa: F401 - imported once here, not by 16 threads contending for the import lock

    from entra_profiles.references.deferred import resolve_deferred

    timeout = options.connect.timeout
    transports = Transports(
        concurrency=options.concurrency,
        read_timeout=min(30.0, timeout),
        connect_timeout=min(10.0, timeout),
        shared=options.shared_pool,
        retries=options.connect.retries,
    )
    results: dict[str, ProfileResult] = {}

    def record(result: ProfileResult) -> None:
        results[result.name] = result
        if progress:
            progress(result, len(results), len(names))

    started = time.monotonic()
    pool = DaemonPool(options.concurrency, "connect")
    futures: dict[Future[ProfileResult], str] = {}

    def submit(batch: ProfileSet, todo: list[str], spent: float) -> None:
        for name in todo:
            profile = batch.profiles[name]
            cloud = batch.cloud(profile.cloud)
            args = (name, profile, cloud, route_for(cloud, sandbox), transports, batch.file.parent)
            material = batch.certificates.get(name)
            futures[pool.submit(connect, *args, options.connect, material, spent)] = name

    try:
        if options.shared_pool:
            _prefetch_discovery(ps, names, sandbox, transports)
        vaulted = [n for n in names if n in ps.deferred]
        submit(ps, [n for n in names if n not in ps.deferred], 0.0)
        if vaulted:
            read_from = time.monotonic()
            limit = Deadline.start(timeout)
            resolved, failed = resolve_deferred(ps, vaulted, sandbox, limit, retries=options.connect.retries)
            spent = time.monotonic() - read_from
            for result in failed.values():
                result.duration_s = spent
                record(result)
            submit(resolved, [n for n in vaulted if n not in failed], spent)
        # A batch can never take longer than every profile running once, in turn, to its deadline.
        waves = -(-len(futures) // options.concurrency) + (1 if vaulted else 0)
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
            for fut in finished:
                record(fut.result())
            if pending and time.monotonic() - started > (timeout + GRACE_S) * waves:
                for fut in pending:
                    failure = Failure("timeout", f"gave up after {timeout:g} s", None)
                    record(ProfileResult(futures[fut], error=failure, duration_s=timeout))
                break
    except KeyboardInterrupt:
        raise RunInterrupted(_so_far(names, results, futures)) from None
    finally:
        pool.shutdown()
        transports.close()
        release_all()
    return [results[n] for n in names]


def _so_far(
    names: list[str], results: dict[str, ProfileResult], futures: dict[Future[ProfileResult], str]
) -> list[ProfileResult]:
    """Every profile's result at an interrupt: the finished ones (collected or not yet), the rest interrupted."""
    for fut, name in futures.items():
        if name not in results and fut.done() and not fut.cancelled() and fut.exception() is None:
            results[name] = fut.result()
    return [results.get(n) or ProfileResult(n, interrupted=True) for n in names]


def _prefetch_discovery(ps: ProfileSet, names: list[str], sandbox: SandboxInfo | None, transports: Transports) -> None:
    """Ask for each tenant's discovery document before its profiles do, on a daemon thread each: the
    profiles of a tenant then share the answer (see RecordingTransport), or fetch their own when it
    fails or is slow. A tenant read from Key Vault is not known yet: its profiles discover it."""
    seen: set[tuple[str, str, str | None]] = set()
    for name in names:
        profile = ps.profiles[name]
        if not isinstance(profile.credential, DISCOVERING) or ("tenant",) in {p for p, _ in ps.deferred.get(name, [])}:
            continue
        route = route_for(ps.cloud(profile.cloud), sandbox)
        key = (route.authority_host, profile.tenant, route.ca_bundle)
        if key not in seen:
            seen.add(key)
            fetch = transports.for_route(route).prefetch_discovery
            threading.Thread(target=fetch, args=key[:2], name="prefetch", daemon=True).start()
