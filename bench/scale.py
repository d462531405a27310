"""Scale: `entra-profiles run all` on 1,000 and 5,000 profiles (10 apps per tenant), sandbox latency 80 ms.

In one run, interleaved round by round against one sandbox (a subprocess on 127.0.0.1, serving both):
- `entra-profiles run all --format json` with its default options (workers, concurrency);
- the baseline: a competent script with 16 threads, an azure-identity credential per profile and one
  shared connection pool (bench/benchlib.py POOL; `--show-baselines` prints it);
- the peak memory of each run: the sum over its process tree (workers included) of RSS, and of PSS
  (shared pages split between the processes sharing them), sampled every 50 ms from /proc.

Targets (issue #11): 5,000 profiles in at most half the baseline's time, under 20 s; t(5,000) <= 5.5 x
t(1,000); peak memory of 5,000 profiles under 200 MB.
Run: .venv/bin/python bench/scale.py [--runs N] [--quick] [--certificates-every N] [--ours-only] [-- RUN ARGS]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from benchlib import (
    POOL,
    Measured,
    clean_env,
    machine,
    make_world,
    measure,
    run_all,
    run_script,
    sandbox,
    spread,
    verdict,
)

LATENCY_MS = 80
TENANTS, APPS = 500, 10
SIZES = (1000, 5000)
TARGET_VS_POOL = 0.5
TARGET_GROWTH = 5.5
TARGET_WALL_S = 20.0
TARGET_MEMORY_MB = 200.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=None, help="rounds (default 3; --quick 1)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--certificates-every", type=int, default=0, help="every Nth profile uses a certificate")
    parser.add_argument("--ours-only", action="store_true", help="skip the baseline (while optimising)")
    parser.add_argument("--show-baselines", action="store_true", help="print the baseline script and exit")
    parser.add_argument("run_args", nargs="*", help="extra arguments for `run` (after --)")
    args = parser.parse_args()
    if args.show_baselines:
        print(POOL)
        return
    runs = args.runs or (1 if args.quick else 3)
    env = clean_env()
    ours: dict[int, list[Measured]] = {n: [] for n in SIZES}
    pool: dict[int, list[Measured]] = {n: [] for n in SIZES}
    with tempfile.TemporaryDirectory(prefix="scale-bench-") as tmp_name:
        tmp = Path(tmp_name)
        every = args.certificates_every
        world = make_world(tmp / "world", TENANTS, APPS, LATENCY_MS, certificates=20 if every else 0, every=every)
        script = tmp / "pool.py"
        script.write_text(POOL)
        out = tmp / "stdout"
        measure([__import__("sys").executable, "-c", "import azure.identity, entra_profiles.run.runner"], env, out)
        state = tmp / "sandbox"
        with sandbox(state, world.seed, env) as _info:
            run_all(world.profiles_file(SIZES[0]), SIZES[0], state, env, args.run_args, out)  # warm-up
            for _ in range(runs):
                for n in SIZES:
                    ours[n].append(run_all(world.profiles_file(n), n, state, env, args.run_args, out))
                    if not args.ours_only:
                        pool[n].append(run_script(script, state, world.baseline_profiles(n), n, env, out))
    kind = f"every {every}th profile a certificate, the others" if every else "each profile"
    print(
        f"scale benchmark: {TENANTS * APPS} profiles over {TENANTS} tenants, one app each ({kind} a client secret), "
        f"sandbox latency {LATENCY_MS} ms per request on 127.0.0.1, {runs} round(s) interleaved, median (min–max)"
    )
    print(f"machine: {machine()}")
    extra = f" {' '.join(args.run_args)}" if args.run_args else ""
    for n in SIZES:
        walls = [m.wall_s for m in ours[n]]
        print(
            f"{n:>5} profiles  entra-profiles run all{extra}  {spread(walls)}   "
            f"peak memory Σ RSS {max(m.rss_mb for m in ours[n]):.0f} MB, Σ PSS {max(m.pss_mb for m in ours[n]):.0f} MB"
        )
        if pool[n]:
            print(
                f"{n:>5} profiles  baseline (16 threads, azure-identity, one pool)  "
                f"{spread([m.wall_s for m in pool[n]])}"
                f"   peak memory Σ RSS {max(m.rss_mb for m in pool[n]):.0f} MB"
            )
    small, big = (statistics.median(m.wall_s for m in ours[n]) for n in SIZES)
    growth = big / small
    met = verdict(growth <= TARGET_GROWTH)
    print(f"t({SIZES[1]}) / t({SIZES[0]}) = {growth:.2f}   target <= {TARGET_GROWTH}: {met}")
    print(f"t({SIZES[1]}) = {big:.2f} s   target < {TARGET_WALL_S:g} s: {verdict(big < TARGET_WALL_S)}")
    if pool[SIZES[1]]:
        base = statistics.median(m.wall_s for m in pool[SIZES[1]])
        ratio = big / base
        print(
            f"ours / baseline at {SIZES[1]} = {ratio:.2f} ({base / big:.1f}x faster)   target <= {TARGET_VS_POOL}: "
            f"{verdict(ratio <= TARGET_VS_POOL)}"
        )
    peak = max(m.rss_mb for m in ours[SIZES[1]])
    print(
        f"peak memory at {SIZES[1]} (Σ RSS over the process tree) = {peak:.0f} MB   target < {TARGET_MEMORY_MB:g} MB: "
        f"{verdict(peak < TARGET_MEMORY_MB)}"
    )


if __name__ == "__main__":
    main()
