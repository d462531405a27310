"""Key Vault resolution: 200 profiles referencing 20 distinct secrets, against the sandbox.

Times `entra-profiles validate --resolve` (each distinct secret read once, concurrently) and, in the
same run, interleaved, a baseline script that reads each distinct secret once with one SecretClient
(the whole commands, interpreter start included). Counts the requests of each in the sandbox's request
log: target, the 20 reads, the vault's challenge and the reader's token: 22 (all at once: 52).
Run: .venv/bin/python bench/references.py [--latency-ms 20] [--rounds 3]
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

from benchlib import clean_env, machine

from entra_profiles.sandbox.process import sandbox_process

TENANT = "7f0c1c5e-3d2a-4b8e-9f10-0a1b2c3d4e5f"
APP = "0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811"
MI = "9e8d7c6b-5a49-4837-8261-5f4e3d2c1b0a"
VAULT = "https://bench-ops.vault.azure.net"
PROFILES, SECRETS = 200, 20


def seed(latency_ms: int) -> dict[str, object]:
    return {
        "tenants": [
            {
                "id": TENANT,
                "domains": ["contoso.onmicrosoft.com"],
                "apps": [{"client_id": APP, "secrets": [{"value": "bench-secret"}]}],
                "managed_identities": [{"system": True, "object_id": MI}],
                "vaults": [
                    {
                        "name": "bench-ops",
                        "readers": [MI],
                        "secrets": {f"s{i}": "bench-secret" for i in range(SECRETS)},
                    }
                ],
            }
        ],
        "faults": {"latency_ms": latency_ms},
    }


def profiles_file(path: Path) -> None:
    lines = ["version: 1", "keyvault_credential: managed_identity", "profiles:"]
    for i in range(PROFILES):
        lines += [
            f"  p{i:03d}:",
            f"    tenant: {TENANT}",
            f"    client_id: {APP}",
            f"    credential: {{type: client_secret, secret: '${{keyvault:{VAULT}/secrets/s{i % SECRETS}}}'}}",
        ]
    path.write_text("\n".join(lines) + "\n")


BASELINE = """
import json, sys
from azure.identity import ManagedIdentityCredential
from azure.keyvault.secrets import SecretClient
info = json.load(open(sys.argv[1]))
credential = ManagedIdentityCredential(connection_verify=info["ca_bundle"])
client = SecretClient(info["keyvault_url"].format(name="bench-ops"), credential,
                      verify_challenge_resource=False, connection_verify=info["ca_bundle"])
profiles = int(sys.argv[2])
distinct = {f"s{i % 20}" for i in range(profiles)}
values = {name: client.get_secret(name).value for name in sorted(distinct)}  # each distinct secret once
secrets = [values[f"s{i % 20}"] for i in range(profiles)]
print(len(secrets))
"""


def timed(command: list[str], env: dict[str, str], log: Path) -> tuple[float, list[dict[str, object]]]:
    """Wall time of a command (interpreter start included) and the sandbox requests it made."""
    before = len(log.read_text().splitlines())
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{command[1:4]} failed:\n{done.stderr[-2000:]}")
    return wall, [json.loads(line) for line in log.read_text().splitlines()[before:]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency-ms", type=int, default=20, help="added by the sandbox to every request")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    env = clean_env()  # loopback only: every proxy variable dropped, both spellings of no_proxy set
    ours: list[float] = []
    base: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        state, path = Path(tmp) / "state", Path(tmp) / "profiles.yaml"
        state.mkdir()
        (Path(tmp) / "seed.json").write_text(json.dumps(seed(args.latency_ms)))
        profiles_file(path)
        with sandbox_process(state, Path(tmp) / "seed.json", env) as info:
            log = Path(info["request_log"])
            base_env = {**env, "AZURE_POD_IDENTITY_AUTHORITY_HOST": info["imds_authority_host"]}
            command = [sys.executable, "-m", "entra_profiles", "-f", str(path), "validate", "--resolve"]
            command += ["--sandbox", str(state)]
            baseline = [sys.executable, "-c", BASELINE, str(state / "sandbox.json"), str(PROFILES)]
            timed(command, env, log)  # warm-up: .pyc, the sandbox's threads
            for _ in range(args.rounds):  # interleaved
                wall, records = timed(command, env, log)
                ours.append(wall)
                wall, base_records = timed(baseline, base_env, log)
                base.append(wall)
    vault = [r for r in records if str(r.get("path", "")).startswith("/vaults/")]
    reads = [r for r in vault if r.get("status") == 200]
    challenges = [r for r in vault if r.get("status") == 401]
    tokens = [r for r in records if r.get("kind") == "managed_identity"]
    base_vault = [r for r in base_records if str(r.get("path", "")).startswith("/vaults/")]
    base_tokens = [r for r in base_records if r.get("kind") == "managed_identity"]
    requests = len(vault) + len(tokens)
    print(
        f"references benchmark: {PROFILES} profiles, {SECRETS} distinct secrets, sandbox latency "
        f"{args.latency_ms} ms per request, {args.rounds} interleaved rounds, median (min–max), whole commands"
    )
    print(f"machine: {machine()}")
    print(f"entra-profiles validate --resolve          {spread(ours)}")
    print(f"  requests: {len(reads)} secret reads, {len(challenges)} challenge(s), {len(tokens)} token(s)")
    print(f"baseline: one client, each distinct secret once, in turn   {spread(base)}")
    print(f"  requests: {len(base_vault)} to the vault, {len(base_tokens)} token(s)")
    ratio = statistics.median(base) / statistics.median(ours)
    print(f"baseline / ours: {ratio:.2f}x")
    target = SECRETS + 2  # the reads, the vault's challenge, the reader's token
    print(f"target: at most {target} requests ->", "met" if requests <= target and len(reads) == SECRETS else "MISSED")


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):6.2f} s ({min(values):.2f}–{max(values):.2f})"


if __name__ == "__main__":
    main()
