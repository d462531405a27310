"""Token responses per second from the sandbox, measured with light clients in separate processes.

Starts `python -m entra_profiles.sandbox serve` on 127.0.0.1 in a subprocess with a one-app seed, then
runs 4 client processes of 4 keep-alive connections each (16 in all), each connection a plain
http.client connection posting a pre-encoded client-secret token request in a loop: a client that
costs a fraction of what the server does per request, so that the sandbox, not the client, is measured
(a requests-based client in one process was its own bottleneck). Interleaved rounds of the health
endpoint (no signing: the baseline) and the token endpoint; tokens/s with p50/p95/p99 latency, medians
and spread over the rounds. Target: >= 250 tokens/s.
Run: .venv/bin/python bench/sandbox.py [--processes 4] [--connections 4] [--seconds 3] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from benchlib import clean_env, machine

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
TARGET = 250

# One client process: N keep-alive connections (threads: they wait on the server, the GIL is free), a
# pre-encoded request each, until the start time + seconds; prints the latencies and the errors.
CLIENT = r"""
import http.client, json, ssl, sys, threading, time
host, port, ca, path, body, connections, start, seconds = sys.argv[1:9]
port, connections, start, seconds = int(port), int(connections), float(start), float(seconds)
context = ssl.create_default_context(cafile=ca)
payload = body.encode()
method = "POST" if payload else "GET"
headers = {"Content-Type": "application/x-www-form-urlencoded"} if payload else {}
latencies, errors = [], [0]
def run():
    conn = http.client.HTTPSConnection(host, port, context=context, timeout=10)
    conn.request("GET", "/_sandbox/health"); conn.getresponse().read()  # the TLS handshake, before timing
    while time.time() < start:
        time.sleep(0.001)
    mine = []
    while time.time() < start + seconds:
        began = time.perf_counter()
        conn.request(method, path, body=payload or None, headers=headers)
        answer = conn.getresponse()
        data = answer.read()
        if answer.status != 200 or (payload and b"access_token" not in data):
            errors[0] += 1
        mine.append(time.perf_counter() - began)
    latencies.extend(mine)
threads = [threading.Thread(target=run) for _ in range(connections)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps({"latencies": latencies, "errors": errors[0]}))
"""


def _round(info: dict[str, object], token: bool, processes: int, connections: int, seconds: float) -> dict[str, float]:
    authority = str(info["authority_host"])
    host, port = authority.removeprefix("https://").rsplit(":", 1)
    if token:
        path = f"/{TENANT}/oauth2/v2.0/token"
        body = urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": SECRET,
                "scope": "https://graph.microsoft.com/.default",
            }
        )
    else:
        admin = str(info["admin_url"])
        path, body = admin.split(port, 1)[1] + "/health", ""
    start = time.time() + 2.0  # every client connected first
    args = [host, port, str(info["ca_bundle"]), path, body, str(connections), str(start), str(seconds)]
    clients = [
        subprocess.Popen([sys.executable, "-c", CLIENT, *args], stdout=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    latencies: list[float] = []
    errors = 0
    for client in clients:
        out, _ = client.communicate(timeout=seconds + 60)
        data = json.loads(out)
        latencies += data["latencies"]
        errors += data["errors"]
    q = statistics.quantiles(latencies, n=100)
    return {"rate": len(latencies) / seconds, "p50": q[49], "p95": q[94], "p99": q[98], "errors": errors}


def _line(name: str, rounds: list[dict[str, float]]) -> str:
    rates = [r["rate"] for r in rounds]
    med = {k: statistics.median(r[k] for r in rounds) for k in ("p50", "p95", "p99")}
    return (
        f"{name:<18} {statistics.median(rates):6.0f}/s ({min(rates):.0f}–{max(rates):.0f})   "
        f"p50 {med['p50'] * 1000:5.1f} ms   p95 {med['p95'] * 1000:5.1f} ms   p99 {med['p99'] * 1000:5.1f} ms   "
        f"errors {sum(int(r['errors']) for r in rounds)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--connections", type=int, default=4, help="per process")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    health: list[dict[str, float]] = []
    tokens: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as state:
        seed = Path(state) / "seed.json"  # JSON is YAML
        seed.write_text(json.dumps(SEED))
        env = clean_env()  # loopback only: no proxy variable reaches the sandbox process
        with sandbox_process(Path(state) / "state", seed, env) as info:
            for _ in range(args.rounds):  # interleaved
                health.append(_round(info, False, args.processes, args.connections, args.seconds))
                tokens.append(_round(info, True, args.processes, args.connections, args.seconds))
    clients = args.processes * args.connections
    print(
        f"sandbox benchmark: {args.processes} client processes x {args.connections} keep-alive connections "
        f"({clients} in all, plain http.client), {args.seconds:g} s per round, {args.rounds} interleaved rounds"
    )
    print(f"machine: {machine()}")
    print(_line("health (baseline)", health))
    print(_line("token", tokens))
    rate = statistics.median(r["rate"] for r in tokens)
    ratio = rate / max(statistics.median(r["rate"] for r in health), 1)
    print(f"token / health: {ratio:.2f}   target >= {TARGET} tokens/s: {'met' if rate >= TARGET else 'MISSED'}")


if __name__ == "__main__":
    main()
