"""Startup cost: `entra-profiles validate` on a generated 500-profile file vs a bare interpreter.

Target (issue #2): at most 0.45 s above bare `python -c pass`, measured in the same run.
Run: .venv/bin/python bench/startup.py [--runs N] [--profiles N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_OVERHEAD_S = 0.45


def generate(path: Path, count: int) -> None:
    lines = [
        "version: 1",
        "defaults: {cloud: Global}",
        "templates:",
        "  base: {tags: [bench], credential: {type: certificate, stores: [./certs]}}",
        "profiles:",
    ]
    for i in range(count):
        tenant = f"{i:08x}-0000-4000-8000-{i:012x}"
        client = f"{i:08x}-1111-4111-8111-{i:012x}"
        if i % 3 == 0:
            cred = "{type: client_secret, secret: '${env:BENCH_SECRET:-not-a-real-secret}'}"
        elif i % 3 == 1:
            cred = "{thumbprint: '6A 1B 3C 4D 5E 6F 70 81 92 A3 B4 C5 D6 E7 F8 09 1A 2B 3C 4D'}"
        else:
            cred = "{type: managed_identity, client_id: " + client + "}"
        lines += [f"  p{i:04d}:", "    extends: base", f"    tenant: {tenant}"]
        lines += [f"    client_id: {client}"] if i % 3 != 2 else []  # a managed identity's id is in its credential
        lines += [f"    credential: {cred}"]
    lines += ["groups:", "  all-bench: [tag:bench]"]
    path.write_text("\n".join(lines) + "\n")


def median_wall(cmd: list[str], runs: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--profiles", type=int, default=500)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "ENTRA_PROFILES_"))}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "profiles.yaml"
        generate(path, args.profiles)
        exe = [sys.executable, "-m", "entra_profiles"]
        median_wall([*exe, "--version"], 2, env)  # warm the .pyc cache
        bare = median_wall([sys.executable, "-c", "pass"], args.runs, env)
        validate = median_wall([*exe, "-f", str(path), "validate"], args.runs, env)
        help_ = median_wall([*exe, "--help"], args.runs, env)
    over = validate - bare
    print(f"profiles: {args.profiles}, runs: {args.runs} (median wall time)")
    print(f"bare python -c pass        {bare * 1000:7.0f} ms")
    print(f"entra-profiles --help      {help_ * 1000:7.0f} ms  (+{(help_ - bare) * 1000:.0f} ms)")
    ratio = validate / bare
    print(f"entra-profiles validate    {validate * 1000:7.0f} ms  (+{over * 1000:.0f} ms, ratio {ratio:.1f}x)")
    verdict = "met" if over <= TARGET_OVERHEAD_S else "MISSED"
    print(f"target: at most +{TARGET_OVERHEAD_S * 1000:.0f} ms over bare interpreter -> {verdict}")


if __name__ == "__main__":
    main()
