"""`entra-profiles run all` on 200 client-secret profiles over 20 tenants, sandbox latency 50 ms per request.

In one run, interleaved round by round against one sandbox (a subprocess on 127.0.0.1):
- `entra-profiles run all --format json` with its default options;
- the sequential baseline: each profile in turn with an azure-identity credential, as a user would write
  it (bench/benchlib.py SEQUENTIAL);
- the thread-pool baseline: 16 threads, a credential per profile, one shared connection pool
  (bench/benchlib.py POOL) — a competent script;
- the floor: a Python start with the libraries' imports only — every module of the third-party packages
  the run imported (found with -X importtime), none of ours: the imports a run needs (issue #4), of the
  libraries only (issue #11) — plus the round trips the run's concurrency cannot hide,
  ceil(200 / concurrency) x 50 ms, with our concurrency and with 16 (the formula of issue #4).
  The import of the packages alone is measured too and its ratio printed, for reference only:
  `import pydantic` loads little of pydantic (its parts load on first use), so it leaves out library
  modules the run cannot do without.

Targets (issue #11): >= 15x the sequential loop, >= 2x the thread-pool script, <= 1.5x the floor.
Run: .venv/bin/python bench/run.py [--runs N] [--quick] [--show-baselines] [-- RUN ARGS]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
from pathlib import Path

from benchlib import (
    POOL,
    SEQUENTIAL,
    Measured,
    clean_env,
    library_imports,
    log_lines,
    machine,
    make_world,
    measure,
    run_all,
    run_script,
    sandbox,
    spread,
    verdict,
)

LATENCY_MS = 50
TENANTS, APPS = 20, 10  # 200 profiles
CONCURRENCY = 64  # run's default --concurrency, for the floor
TARGET_VS_SEQUENTIAL = 15.0
TARGET_VS_POOL = 2.0
TARGET_FLOOR_RATIO = 1.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=None, help="rounds (default 3; --quick 1)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--show-baselines", action="store_true", help="print the baseline scripts and exit")
    parser.add_argument("run_args", nargs="*", help="extra arguments for `run` (after --)")
    args = parser.parse_args()
    if args.show_baselines:
        print(SEQUENTIAL, POOL, sep="\n")
        return
    runs = args.runs or (1 if args.quick else 3)
    total = TENANTS * APPS
    env = clean_env()
    ours: list[Measured] = []
    sequential: list[Measured] = []
    pool: list[Measured] = []
    imports: list[float] = []
    package_imports: list[float] = []
    trips: list[int] = []
    with tempfile.TemporaryDirectory(prefix="run-bench-") as tmp_name:
        tmp = Path(tmp_name)
        world = make_world(tmp / "world", TENANTS, APPS, LATENCY_MS)
        profiles_file, baseline_profiles = world.profiles_file(total), world.baseline_profiles(total)
        scripts = {name: tmp / f"{name}.py" for name in ("sequential", "pool")}
        scripts["sequential"].write_text(SEQUENTIAL)
        scripts["pool"].write_text(POOL)
        out = tmp / "stdout"
        state = tmp / "sandbox"
        with sandbox(state, world.seed, env) as info:
            run_all(profiles_file, total, state, env, args.run_args, out)  # warm-up
            ours_command = [sys.executable, "-m", "entra_profiles", "-f", str(profiles_file), "run", "all"]
            libraries = library_imports([*ours_command, "--sandbox", str(state), "--format", "json"], env)
            floor_command = [sys.executable, "-c", libraries.module_program()]
            packages_command = [sys.executable, "-c", libraries.package_program()]
            measure(floor_command, env, out)  # .pyc written, files in the page cache
            for _ in range(runs):  # interleaved, so that drift hits every variant alike
                imports.append(measure(floor_command, env, out).wall_s)
                package_imports.append(measure(packages_command, env, out).wall_s)
                before = log_lines(info)
                ours.append(run_all(profiles_file, total, state, env, args.run_args, out))
                trips.append(log_lines(info) - before)
                pool.append(run_script(scripts["pool"], state, baseline_profiles, total, env, out))
                sequential.append(run_script(scripts["sequential"], state, baseline_profiles, total, env, out))

    run_s = statistics.median(m.wall_s for m in ours)
    seq_s = statistics.median(m.wall_s for m in sequential)
    pool_s = statistics.median(m.wall_s for m in pool)
    imports_s = statistics.median(imports)
    trips_s = math.ceil(total / CONCURRENCY) * LATENCY_MS / 1000  # the round trips the concurrency cannot hide
    floor = imports_s + trips_s
    floor16 = imports_s + math.ceil(total / 16) * LATENCY_MS / 1000
    print(
        f"run benchmark: {total} client-secret profiles over {TENANTS} tenants, one app each, sandbox latency "
        f"{LATENCY_MS} ms per request on 127.0.0.1, {runs} round(s) interleaved, median (min–max)"
    )
    print(f"machine: {machine()}")
    extra = f" {' '.join(args.run_args)}" if args.run_args else ""
    print(
        f"entra-profiles run all{extra}                {spread([m.wall_s for m in ours])}   "
        f"({statistics.mean(trips) / total:.2f} sandbox requests per profile)"
    )
    print(f"baseline: thread pool (16 threads)    {spread([m.wall_s for m in pool])}")
    print(f"baseline: sequential loop             {spread([m.wall_s for m in sequential])}")
    print(
        f"library imports only: the {len(libraries.modules)} modules the run imported of "
        f"{', '.join(libraries.packages)}  {spread(imports)}"
    )
    print(f"  (python -c '{libraries.package_program()}' alone: {spread(package_imports)})")
    print(
        f"floor: imports + ceil({total}/{CONCURRENCY}) x {LATENCY_MS} ms = {floor:.2f} s   (with 16: {floor16:.2f} s)"
    )
    speedup = seq_s / run_s
    print(f"sequential / run = {speedup:.1f}x   target >= {TARGET_VS_SEQUENTIAL:g}x: {verdict(speedup >= 15)}")
    versus = pool_s / run_s
    print(f"thread pool / run = {versus:.2f}x   target >= {TARGET_VS_POOL:g}x: {verdict(versus >= TARGET_VS_POOL)}")
    ratio = run_s / floor
    print(
        f"run / floor = {ratio:.2f}x (with 16: {run_s / floor16:.2f}x)   target <= {TARGET_FLOOR_RATIO:g}x: "
        f"{verdict(ratio <= TARGET_FLOOR_RATIO)}"
    )
    by_packages = run_s / (statistics.median(package_imports) + trips_s)
    print(f"  (for reference, not the target: run / floor with the packages' import alone = {by_packages:.2f}x)")


if __name__ == "__main__":
    main()
