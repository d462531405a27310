"""`entra-profiles run all` on 200 client-secret profiles over 20 tenants, sandbox latency 50 ms per request.

Compares, in the same run and against the same sandbox (a subprocess on 127.0.0.1):
- `entra-profiles run all --format json` (default --concurrency 16), median wall time of several runs;
- the same with the hidden `--no-shared-pool` (one connection pool per profile): does sharing help?
- the baseline: a script that connects the same profiles one after another with azure-identity, as a
  user would write it (sampled on --baseline-profiles and extrapolated linearly when fewer than all);
- the floor: interpreter start with the imports a run needs + ceil(200/concurrency) x 50 ms (issue #4),
  and the same with the sandbox round trips per profile counted from its request log.
Then peak RSS of `run all` on 1,000 profiles (50 tenants x 20 apps, no added latency).

Targets (issue #4): >= 10x faster than the baseline; within 2x of the floor; 1,000 profiles < 250 MB.
Run: .venv/bin/python bench/run.py [--quick] [--concurrency N] [--runs N] [--baseline-profiles N]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from entra_profiles.sandbox.process import SandboxStartError, sandbox_process

REPO = Path(__file__).resolve().parents[1]
LATENCY_MS = 50
TENANTS, APPS = 20, 10  # 200 profiles
MEMORY_TENANTS, MEMORY_APPS = 50, 20  # 1,000 profiles
TARGET_SPEEDUP = 10.0
TARGET_FLOOR_RATIO = 2.0
TARGET_RSS_MB = 250.0
IMPORTS = "import azure.identity, msal, entra_profiles.commands.run, entra_profiles.run.runner"
STEP_TIMEOUT_S = 180  # no single subprocess may run longer than this
GRAPH = "https://graph.microsoft.com"

BASELINE = '''\
"""Connect each profile in turn with azure-identity, as a user would write it."""
import json, sys, time
from azure.identity import ClientSecretCredential

sandbox = json.load(open(sys.argv[1]))
profiles = json.load(open(sys.argv[2]))
ok = 0
began = time.perf_counter()
for p in profiles:
    credential = ClientSecretCredential(
        p["tenant"], p["client_id"], p["secret"],
        authority=sandbox["authority_host"], disable_instance_discovery=True,
        connection_verify=sandbox["ca_bundle"],
    )
    try:
        token = credential.get_token("https://graph.microsoft.com/.default")
        ok += bool(token.token)
    finally:
        credential.close()
print(json.dumps({"ok": ok, "total": len(profiles), "loop_s": time.perf_counter() - began}))
'''


@dataclass
class World:
    seed: Path
    profiles_file: Path
    profiles: list[dict[str, str]]


def guid(kind: int, i: int) -> str:
    return f"{i:08x}-{kind:04x}-4000-8000-{i:012x}"


def make_world(directory: Path, tenants: int, apps: int, latency_ms: int) -> World:
    """A seed (JSON is YAML) and a profiles file: `tenants` x `apps` client-secret profiles."""
    directory.mkdir(parents=True, exist_ok=True)
    seed_tenants: list[dict[str, Any]] = []
    profiles: list[dict[str, str]] = []
    lines = ["version: 1", "defaults: {cloud: Global}", "profiles:"]
    for t in range(tenants):
        tenant = guid(0, t)
        seed_apps = []
        for a in range(apps):
            i = t * apps + a
            client_id, secret = guid(0x1111, i), f"bench-secret-{i}"
            roles = {GRAPH: ["User.Read.All"]}
            seed_apps.append({"client_id": client_id, "secrets": [{"value": secret}], "roles": roles})
            profiles.append({"name": f"p{i:04d}", "tenant": tenant, "client_id": client_id, "secret": secret})
            lines += [
                f"  p{i:04d}:",
                f"    tenant: {tenant}",
                f"    client_id: {client_id}",
                f"    credential: {{type: client_secret, secret: {secret}}}",  # literal: fine for a benchmark
            ]
        seed_tenants.append({"id": tenant, "apps": seed_apps})
    seed = directory / "seed.json"
    seed.write_text(json.dumps({"tenants": seed_tenants, "faults": {"latency_ms": latency_ms}}))
    profiles_file = directory / "profiles.yaml"
    profiles_file.write_text("\n".join(lines) + "\n")
    return World(seed, profiles_file, profiles)


def clean_env() -> dict[str, str]:
    """No inherited CA overrides, Azure settings, sandbox pointer or proxies: only 127.0.0.1 traffic."""
    drop = {"REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"}
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in drop
        and not k.startswith(("AZURE_", "ENTRA_PROFILES_", "IDENTITY_", "MSI_", "ACTIONS_ID_TOKEN_"))
        and not k.lower().endswith("_proxy")
    }
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost,::1"
    env["PYTHONPATH"] = str(REPO)
    return env


@contextmanager
def sandbox(state: Path, seed: Path, env: dict[str, str]) -> Any:
    """`python -m entra_profiles.sandbox serve` in a subprocess; always stopped with SIGTERM."""
    try:
        with sandbox_process(state, seed, env, stderr=state.with_suffix(".stderr")) as info:
            yield info
    except SandboxStartError as exc:
        raise SystemExit(str(exc)) from None


@dataclass
class Measured:
    wall_s: float
    rss_mb: float
    stdout: str
    code: int
    stderr: str


def measure(command: list[str], env: dict[str, str], out: Path) -> Measured:
    """Wall time and peak RSS (wait4: of this child alone) of one subprocess; stdout kept in `out`."""
    with out.open("wb") as sink:
        began = time.perf_counter()
        errors = out.with_suffix(".stderr").open("wb")
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=errors)
        errors.close()
        deadline = began + STEP_TIMEOUT_S
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                os.wait4(process.pid, 0)
                raise SystemExit(f"timed out after {STEP_TIMEOUT_S} s: {' '.join(command)}")
            time.sleep(0.002)
        wall = time.perf_counter() - began
    process.returncode = os.waitstatus_to_exitcode(status)  # already reaped: keep Popen from waiting again
    rss_kb = usage.ru_maxrss  # kilobytes on Linux
    stderr = out.with_suffix(".stderr").read_text(errors="replace")
    return Measured(wall, rss_kb / 1024, out.read_text(), process.returncode, stderr[-2000:])


def log_lines(info: dict[str, Any]) -> int:
    path = Path(info["request_log"])
    if not path.exists():
        return 0
    with path.open("rb") as f:
        return sum(1 for _ in f)


def run_all(
    world: World, info_dir: Path, info: dict[str, Any], env: dict[str, str], extra: list[str], out: Path
) -> tuple[Measured, int]:
    """One `entra-profiles run all --format json`; checks every profile is ok; returns sandbox requests."""
    command = [sys.executable, "-m", "entra_profiles", "-f", str(world.profiles_file), "run", "all"]
    command += ["--sandbox", str(info_dir), "--format", "json", *extra]
    before = log_lines(info)
    m = measure(command, env, out)
    requests = log_lines(info) - before
    try:
        summary = json.loads(m.stdout)["summary"]
    except (ValueError, KeyError) as exc:
        raise SystemExit(f"run all printed no JSON summary (exit {m.code}): {exc}\n{m.stderr}") from None
    if summary["ok"] != len(world.profiles) or m.code != 0:
        failed = [p for p in json.loads(m.stdout)["profiles"] if p["status"] != "ok"][:3]
        raise SystemExit(f"run all: {summary} (exit {m.code}); first failures: {json.dumps(failed)}")
    return m, requests


def median(values: list[float]) -> float:
    return statistics.median(values)


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 run each, baseline sampled on 20 profiles")
    parser.add_argument("--concurrency", type=int, default=16, help="--concurrency of `run` (default 16)")
    parser.add_argument("--runs", type=int, default=None, help="timed runs of each variant (default 3; quick 1)")
    parser.add_argument("--baseline-profiles", type=int, default=None, help="profiles the baseline connects")
    parser.add_argument("--no-memory", action="store_true", help="skip the 1,000-profile memory run")
    args = parser.parse_args()
    runs = args.runs or (1 if args.quick else 3)
    total = TENANTS * APPS
    sample = args.baseline_profiles or (20 if args.quick else total)
    sample = max(1, min(sample, total))
    import_runs = 3 if args.quick else 7
    env = clean_env()
    concurrency = ["--concurrency", str(args.concurrency)]

    with tempfile.TemporaryDirectory(prefix="run-bench-") as tmp_name:
        tmp = Path(tmp_name)
        world = make_world(tmp / "w200", TENANTS, APPS, LATENCY_MS)
        baseline_script = tmp / "baseline.py"
        baseline_script.write_text(BASELINE)
        baseline_profiles = tmp / "baseline-profiles.json"
        baseline_profiles.write_text(json.dumps(world.profiles[:sample]))
        out = tmp / "stdout"

        # Floor, part 1: interpreter start with the imports a run needs (warm .pyc cache first).
        measure([sys.executable, "-c", IMPORTS], env, out)
        imports = median([measure([sys.executable, "-c", IMPORTS], env, out).wall_s for _ in range(import_runs)])

        state = tmp / "sandbox200"
        with sandbox(state, world.seed, env) as info:
            run_all(world, state, info, env, concurrency, out)  # warm-up: .pyc, sandbox threads
            shared: list[Measured] = []
            separate: list[Measured] = []
            requests: list[int] = []
            for _ in range(runs):  # interleaved, so drift hits both alike
                m, n = run_all(world, state, info, env, concurrency, out)
                shared.append(m)
                requests.append(n)
                separate.append(run_all(world, state, info, env, [*concurrency, "--no-shared-pool"], out)[0])

            before = log_lines(info)
            baseline = [sys.executable, str(baseline_script), str(state / "sandbox.json"), str(baseline_profiles)]
            b = measure(baseline, env, out)
            baseline_requests = log_lines(info) - before
            try:
                result = json.loads(b.stdout)
            except ValueError:
                raise SystemExit(f"the baseline script failed (exit {b.code})\n{b.stderr}") from None
            if result["ok"] != sample:
                raise SystemExit(f"the baseline connected {result['ok']} of {sample} profiles")

        memory: Measured | None = None
        if not args.no_memory:
            big = make_world(tmp / "w1000", MEMORY_TENANTS, MEMORY_APPS, 0)
            state = tmp / "sandbox1000"
            with sandbox(state, big.seed, env) as info:
                memory, _ = run_all(big, state, info, env, concurrency, out)

    run_s = median([m.wall_s for m in shared])
    separate_s = median([m.wall_s for m in separate])
    per_profile = statistics.mean(requests) / total
    trips = per_profile  # measured, not rounded: shared discovery would make it 1 + tenants / profiles
    waves = math.ceil(total / args.concurrency)
    floor_issue = imports + waves * LATENCY_MS / 1000
    floor_trips = imports + waves * trips * LATENCY_MS / 1000
    # Extrapolation: the script's own start-up once, plus its connect loop scaled to every profile.
    baseline_s = b.wall_s - result["loop_s"] + result["loop_s"] * total / sample
    extrapolated = sample < total

    print(
        f"run benchmark: {total} client-secret profiles over {TENANTS} tenants, sandbox latency {LATENCY_MS} ms "
        f"per request, 127.0.0.1, --concurrency {args.concurrency}, median of {runs} run(s)"
    )
    print(f"imports a run needs (python -c '{IMPORTS.removeprefix('import ')}') {imports * 1000:6.0f} ms")
    print(f"sandbox requests per profile: {per_profile:.2f} (run all), {baseline_requests / sample:.2f} (baseline)")
    print(f"entra-profiles run all (shared pool)     {run_s * 1000:7.0f} ms   peak RSS {shared[0].rss_mb:5.0f} MB")
    print(
        f"entra-profiles run all --no-shared-pool  {separate_s * 1000:7.0f} ms   "
        f"shared pool saves {(separate_s - run_s) * 1000:.0f} ms (no-shared/shared {separate_s / run_s:.2f}x)"
    )
    how = f"extrapolated from {sample} profiles" if extrapolated else f"all {total} profiles"
    print(
        f"baseline (azure-identity, one by one)  {baseline_s * 1000:9.0f} ms   ({how}: "
        f"{result['loop_s'] / sample * 1000:.0f} ms per profile, measured wall {b.wall_s * 1000:.0f} ms)"
    )
    print(
        f"floor, issue formula: imports + ceil({total}/{args.concurrency}) x {LATENCY_MS} ms       "
        f"{floor_issue * 1000:7.0f} ms"
    )
    print(
        f"floor, measured trips: imports + {waves} x {trips:.2f} x {LATENCY_MS} ms       {floor_trips * 1000:7.0f} ms"
    )
    speedup = baseline_s / run_s
    print(
        f"baseline / run = {speedup:.1f}x   target >= {TARGET_SPEEDUP:g}x: {verdict(speedup >= TARGET_SPEEDUP)}"
        + ("  (baseline extrapolated)" if extrapolated else "")
    )
    ratio = run_s / floor_issue
    print(f"run / floor (issue formula) = {ratio:.2f}x   target <= {TARGET_FLOOR_RATIO:g}x: {verdict(ratio <= 2)}")
    print(f"run / floor ({trips:.2f} round trips per profile) = {run_s / floor_trips:.2f}x   (for information)")
    if memory is not None:
        total_big = MEMORY_TENANTS * MEMORY_APPS
        print(
            f"memory: run all on {total_big} profiles ({MEMORY_TENANTS} tenants x {MEMORY_APPS} apps, no latency): "
            f"peak RSS {memory.rss_mb:.0f} MB in {memory.wall_s:.1f} s   target < {TARGET_RSS_MB:g} MB: "
            f"{verdict(memory.rss_mb < TARGET_RSS_MB)}"
        )


if __name__ == "__main__":
    main()
