"""Token responses per second from the sandbox: 16 concurrent keep-alive clients in another process.

Starts `python -m entra_profiles.sandbox serve` on 127.0.0.1 in a subprocess with a one-app seed, then
runs 16 threads (one requests.Session each) posting client-secret token requests for a few seconds,
and prints tokens/s with p50/p95/p99 latency. Baseline in the same run: the health endpoint (no
signing), so the ratio shows what minting a token costs. Stops the server itself. Target: >= 250/s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

import requests

from entra_profiles.sandbox.process import sandbox_process

TENANT = "7f0c1c5e-3d2a-4b8e-9f10-0a1b2c3d4e5f"
CLIENT_ID = "0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811"
SECRET = "bench-secret"
SEED = {
    "tenants": [
        {
            "id": TENANT,
            "apps": [
                {
                    "client_id": CLIENT_ID,
                    "secrets": [{"value": SECRET}],
                    "roles": {"https://graph.microsoft.com": ["User.Read.All"]},
                }
            ],
        }
    ]
}
REPO = Path(__file__).resolve().parents[1]


def _seed(state: Path) -> Path:
    seed = state / "seed.json"  # JSON is YAML
    seed.write_text(json.dumps(SEED))
    return seed


def _run(info: dict[str, object], clients: int, seconds: float, token: bool) -> tuple[int, list[float], int]:
    url = f"{info['authority_host']}/{TENANT}/oauth2/v2.0/token" if token else f"{info['admin_url']}/health"
    form = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "scope": "https://graph.microsoft.com/.default",
    }
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(index: int) -> None:
        with requests.Session() as http:
            http.verify, http.trust_env = str(info["ca_bundle"]), False
            http.get(f"{info['admin_url']}/health", timeout=10)  # connect (TLS handshake) before timing
            start.wait()
            while time.perf_counter() < stop_at[0]:
                began = time.perf_counter()
                response = http.post(url, data=form, timeout=10) if token else http.get(url, timeout=10)
                if response.status_code != 200 or (token and "access_token" not in response.json()):
                    errors[index] += 1
                latencies[index].append(time.perf_counter() - began)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + seconds + 0.5
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    flat = [x for lat in latencies for x in lat]
    return round(len(flat) / elapsed), flat, sum(errors)


def _report(name: str, rate: int, latencies: list[float], errors: int) -> None:
    q = statistics.quantiles(latencies, n=100)
    print(
        f"{name:<16} {rate:>6}/s   p50 {q[49] * 1000:6.1f} ms   p95 {q[94] * 1000:6.1f} ms   "
        f"p99 {q[98] * 1000:6.1f} ms   errors {errors}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as state:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        with sandbox_process(Path(state) / "state", _seed(Path(state)), env) as info:
            base_rate, base_lat, base_err = _run(info, args.clients, args.seconds / 2, token=False)
            rate, lat, err = _run(info, args.clients, args.seconds, token=True)
    print(f"sandbox benchmark: {args.clients} keep-alive clients, {args.seconds:g} s, 127.0.0.1")
    _report("health (baseline)", base_rate, base_lat, base_err)
    _report("token", rate, lat, err)
    print(
        f"token / baseline: {rate / max(base_rate, 1):.2f}   target >= 250 tokens/s: "
        f"{'met' if rate >= 250 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
