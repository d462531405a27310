"""A batch as 4 shard processes and their merge, against the same batch in one process.

5,000 client-secret profiles over 500 tenants, against one sandbox (a subprocess on 127.0.0.1) adding
80 ms to every request. Interleaved, run after run:
- A: `entra-profiles run all --format json` (one command with its defaults: --concurrency 64, and the
  worker processes it chooses for the batch's size);
- B: `run all --shard K/4 --report json=…` for K = 1…4, started at once (what 4 CI jobs or pods do, here
  sharing this machine's cores), then `report merge` of their reports; B's time is the slowest shard's
  plus the merge's, and the merge is also shown alone.
Each variant's median and spread (min–max) are printed, and the ratio of the medians. Both must report
every profile ok; the merge must give the same 5,000 profiles.

Run: .venv/bin/python bench/shards.py [--quick] [--runs N] [--shards N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchlib import STEP_TIMEOUT_S, World, clean_env, machine, make_world, sandbox

LATENCY_MS = 80
TENANTS, APPS = 500, 10  # 5,000 profiles
QUICK_TENANTS = 100  # 1,000 profiles


def timed(command: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    began = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=STEP_TIMEOUT_S * 4, check=False)
    return time.perf_counter() - began, done


def cli(world: World, *args: str) -> list[str]:
    return [sys.executable, "-m", "entra_profiles", "-f", str(world.profiles_file(len(world.profiles))), *args]


def ok_summary(done: subprocess.CompletedProcess[str], total: int, what: str) -> None:
    try:
        summary = json.loads(done.stdout)["summary"]
    except (ValueError, KeyError):
        raise SystemExit(f"{what} printed no JSON report (exit {done.returncode}): {done.stderr[-2000:]}") from None
    if done.returncode != 0 or summary["ok"] != total:
        raise SystemExit(f"{what}: {summary} (exit {done.returncode}): {done.stderr[-2000:]}")


def single(world: World, state: Path, env: dict[str, str], total: int) -> float:
    wall, done = timed(cli(world, "run", "all", "--sandbox", str(state), "--format", "json"), env)
    ok_summary(done, total, "run all")
    return wall


def sharded(
    world: World, state: Path, env: dict[str, str], total: int, shards: int, folder: Path
) -> tuple[float, float]:
    """Wall time of the shards (all at once) plus the merge, and of the merge alone."""
    for old in folder.glob("*.json"):
        old.unlink()

    def one(k: int) -> tuple[float, subprocess.CompletedProcess[str]]:
        report = f"json={folder / f'shard-{k}.json'}"
        args = ("run", "all", "--sandbox", str(state), "--shard", f"{k}/{shards}", "--report", report)
        return timed(cli(world, *args, "--format", "json"), env)

    began = time.perf_counter()
    with ThreadPoolExecutor(shards) as pool:
        results = list(pool.map(one, range(1, shards + 1)))
    for k, (_, done) in enumerate(results, 1):
        if done.returncode != 0:
            raise SystemExit(f"shard {k}/{shards} exited {done.returncode}: {done.stderr[-2000:]}")
    merge_wall, merged = timed(
        [sys.executable, "-m", "entra_profiles", "report", "merge", str(folder), "--format", "json"], env
    )
    ok_summary(merged, total, "report merge")
    return time.perf_counter() - began, merge_wall


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):6.2f} s  (min {min(values):.2f}, max {max(values):.2f}, n={len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 profiles over 100 tenants, 1 run each")
    parser.add_argument("--runs", type=int, default=None, help="interleaved runs of each variant (default 3; quick 1)")
    parser.add_argument("--shards", type=int, default=4, help="shard processes (default 4)")
    args = parser.parse_args()
    runs = args.runs or (1 if args.quick else 3)
    tenants = QUICK_TENANTS if args.quick else TENANTS
    total = tenants * APPS
    env = clean_env()
    with tempfile.TemporaryDirectory(prefix="shards-bench-") as tmp_name:
        tmp = Path(tmp_name)
        world = make_world(tmp / "world", tenants, APPS, LATENCY_MS)
        folder = tmp / "reports"
        folder.mkdir()
        state = tmp / "sandbox"
        with sandbox(state, world.seed, env):
            single_s: list[float] = []
            sharded_s: list[float] = []
            merge_s: list[float] = []
            for run in range(runs):
                order = ("A", "B") if run % 2 == 0 else ("B", "A")  # interleaved, alternating who goes first
                for variant in order:
                    if variant == "A":
                        single_s.append(single(world, state, env, total))
                    else:
                        wall, merge = sharded(world, state, env, total, args.shards, folder)
                        sharded_s.append(wall)
                        merge_s.append(merge)
                print(
                    f"run {run + 1}/{runs}: single {single_s[-1]:.2f} s, "
                    f"{args.shards} shards + merge {sharded_s[-1]:.2f} s"
                )
    print(f"\n{total:,} profiles over {tenants} tenants, sandbox latency {LATENCY_MS} ms, {args.shards} shards")
    print(f"machine: {machine()}")
    print(f"A  {'one command':<22}  {spread(single_s)}")
    print(f"B  {f'{args.shards} shards + merge':<22}  {spread(sharded_s)}")
    print(f"   {'of which the merge':<22}  {spread(merge_s)}")
    print(f"B / A (medians): {statistics.median(sharded_s) / statistics.median(single_s):.2f}")


if __name__ == "__main__":
    main()
