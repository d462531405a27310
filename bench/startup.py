"""Startup cost: `entra-profiles validate` on a generated 500-profile file vs a bare interpreter.

Interleaved: each round runs bare `python -c pass`, `entra-profiles --help` and `validate` in turn, so
that drift hits all three alike; medians and spread. The environment drops PYTHONDONTWRITEBYTECODE (and
PYTHONPYCACHEPREFIX), so that the warm-up writes the .pyc files every timed run then reads.
Target (issue #11): at most 0.30 s above bare `python -c pass`, medians of the same run.
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

from benchlib import machine

TARGET_OVERHEAD_S = 0.30


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


def wall(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def spread(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:5.0f} ms ({min(values) * 1000:.0f}–{max(values) * 1000:.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--profiles", type=int, default=500)
    args = parser.parse_args()
    drop = ("AZURE_", "ENTRA_PROFILES_", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "profiles.yaml"
        generate(path, args.profiles)
        exe = [sys.executable, "-m", "entra_profiles"]
        commands = {
            "bare": [sys.executable, "-c", "pass"],
            "help": [*exe, "--help"],
            "validate": [*exe, "-f", str(path), "validate"],
        }
        for command in commands.values():  # warm-up: .pyc written, files in the page cache
            wall(command, env)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(wall(command, env))
    bare, help_, validate = (statistics.median(times[n]) for n in commands)
    over = validate - bare
    print(f"startup benchmark: {args.profiles} profiles, {args.runs} interleaved rounds, median (min–max) wall time")
    print(f"machine: {machine()}")
    print(f"bare python -c pass        {spread(times['bare'])}")
    print(f"entra-profiles --help      {spread(times['help'])}  (+{(help_ - bare) * 1000:.0f} ms)")
    print(f"entra-profiles validate    {spread(times['validate'])}  (+{over * 1000:.0f} ms)")
    verdict = "met" if over <= TARGET_OVERHEAD_S else "MISSED"
    print(f"target: at most +{TARGET_OVERHEAD_S * 1000:.0f} ms over bare interpreter -> {verdict}")


if __name__ == "__main__":
    main()
