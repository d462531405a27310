"""Run a batch: connect the selected profiles concurrently, each isolated, results in selection order."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from entra_profiles.config.loader import ProfileSet
from entra_profiles.config.models import Certificate, ClientSecret
from entra_profiles.credentials.options import Transports
from entra_profiles.credentials.process_env import release_all
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
    resolved: dict[str, ProfileResult] | None = None,
) -> list[ProfileResult]:
    """Connect each named profile. `resolved` holds profiles that already failed (e.g. a reference)."""
    import azure.identity  # noqa: F401 - imported once here, not by 16 threads contending for the import lock

    transports = Transports(
        concurrency=options.concurrency,
        read_timeout=min(30.0, options.connect.timeout),
        connect_timeout=min(10.0, options.connect.timeout),
        shared=options.shared_pool,
    )
    results: dict[str, ProfileResult] = dict(resolved or {})
    todo = [n for n in names if n not in results]
    done = len(results)
    base_dir = ps.file.parent
    pool = ThreadPoolExecutor(max_workers=max(1, options.concurrency), thread_name_prefix="connect")
    futures: dict[Future[ProfileResult], str] = {}
    try:
        if options.shared_pool:
            _prefetch_discovery(ps, todo, sandbox, transports, pool)
        for name in todo:
            profile = ps.profiles[name]
            cloud = ps.cloud(profile.cloud)
            route = route_for(cloud, sandbox)
            material = ps.certificates.get(name)
            fut = pool.submit(connect, name, profile, cloud, route, transports, base_dir, options.connect, material)
            futures[fut] = name
        pending = set(futures)
        started = time.monotonic()
        limit = options.connect.timeout + GRACE_S
        while pending:
            finished, pending = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
            for fut in finished:
                name = futures[fut]
                results[name] = fut.result()
                done += 1
                if progress:
                    progress(results[name], done, len(names))
            # A batch can never take longer than every profile running once, in turn, to its deadline.
            waves = -(-len(todo) // max(1, options.concurrency))
            if pending and time.monotonic() - started > limit * waves:
                for fut in pending:
                    name = futures[fut]
                    results[name] = ProfileResult(
                        name, error=Failure("timeout", f"gave up after {options.connect.timeout:g} s", None)
                    )
                break
    except KeyboardInterrupt:
        raise RunInterrupted(_so_far(names, results, futures)) from None
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
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


def _prefetch_discovery(
    ps: ProfileSet, names: list[str], sandbox: SandboxInfo | None, transports: Transports, pool: ThreadPoolExecutor
) -> None:
    """Queue one discovery request per tenant before the profiles: the profiles of a tenant then
    share its answer instead of each waiting for their own (see RecordingTransport)."""
    seen: set[tuple[str, str, str | None]] = set()
    for name in names:
        profile = ps.profiles[name]
        if not isinstance(profile.credential, DISCOVERING):
            continue
        route = route_for(ps.cloud(profile.cloud), sandbox)
        key = (route.authority_host, profile.tenant, route.ca_bundle)
        if key not in seen:
            seen.add(key)
            pool.submit(transports.for_route(route).prefetch_discovery, route.authority_host, profile.tenant)
