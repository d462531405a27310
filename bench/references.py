"""Key Vault resolution: 200 profiles referencing 20 distinct secrets, against the sandbox.

Times `entra-profiles validate --resolve` (each distinct secret read once, concurrently) and, in the
same run, a baseline that reads each profile's reference one after another with SecretClient, as a
script would. Counts the secret reads in the sandbox's request log (target: exactly 20).
Run: .venv/bin/python bench/references.py [--latency-ms 20]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from entra_profiles.sandbox.process import sandbox_process

TENANT = "7f0c1c5e-3d2a-4b8e-9f10-0a1b2c3d4e5f"
APP = "0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811"
MI = "9e8d7c6b-5a49-4837-8261-5f4e3d2c1b0a"
VAULT = "https://bench-ops.vault.azure.net"
REPO = Path(__file__).resolve().parents[1]
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
import json, sys, time
from azure.identity import ManagedIdentityCredential
from azure.keyvault.secrets import SecretClient
info = json.load(open(sys.argv[1]))
credential = ManagedIdentityCredential(connection_verify=info["ca_bundle"])
start = time.perf_counter()
for i in range(int(sys.argv[2])):
    client = SecretClient(info["keyvault_url"].format(name="bench-ops"), credential,
                          verify_challenge_resource=False, connection_verify=info["ca_bundle"])
    client.get_secret(f"s{i % 20}").value
    client.close()
print(time.perf_counter() - start)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency-ms", type=int, default=20, help="added by the sandbox to every request")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "IDENTITY_", "MSI_"))}
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "HTTPS_PROXY", "HTTP_PROXY"):
        env.pop(name, None)
    env["NO_PROXY"] = "127.0.0.1,localhost,::1"
    env["PYTHONPATH"] = str(REPO)
    with tempfile.TemporaryDirectory() as tmp:
        state, path = Path(tmp) / "state", Path(tmp) / "profiles.yaml"
        state.mkdir()
        (Path(tmp) / "seed.json").write_text(json.dumps(seed(args.latency_ms)))
        profiles_file(path)
        with sandbox_process(state, Path(tmp) / "seed.json", env) as info:
            log = Path(info["request_log"])
            before = len(log.read_text().splitlines())
            start = time.perf_counter()
            cmd = [
                sys.executable,
                "-m",
                "entra_profiles",
                "-f",
                str(path),
                "validate",
                "--resolve",
                "--sandbox",
                str(state),
            ]
            done = subprocess.run(cmd, env=env, capture_output=True, text=True)
            ours = time.perf_counter() - start
            if done.returncode != 0:
                raise SystemExit(f"validate --resolve failed:\n{done.stderr[-2000:]}")
            records = [json.loads(line) for line in log.read_text().splitlines()[before:]]
            vault = [r for r in records if str(r.get("path", "")).startswith("/vaults/")]
            reads = [r for r in vault if r.get("status") == 200]
            challenges = [r for r in vault if r.get("status") == 401]
            base_env = {**env, "AZURE_POD_IDENTITY_AUTHORITY_HOST": info["imds_authority_host"]}
            baseline = subprocess.run(
                [sys.executable, "-c", BASELINE, str(state / "sandbox.json"), str(PROFILES)],
                env=base_env,
                capture_output=True,
                text=True,
                check=True,
            )
            base = float(baseline.stdout.strip())
    print(f"{PROFILES} profiles, {SECRETS} distinct secrets, sandbox latency {args.latency_ms} ms per request")
    print(f"entra-profiles validate --resolve  {ours:6.2f} s wall (whole command, interpreter start included)")
    print(f"  secret reads: {len(reads)} (target {SECRETS}), bearer challenges: {len(challenges)}")
    print(f"baseline: one read per profile, in turn  {base:6.2f} s (reads only, no interpreter start)")
    print(f"ratio baseline / ours: {base / ours:.1f}x")
    print("target: exactly 20 reads ->", "met" if len(reads) == SECRETS else "MISSED")


if __name__ == "__main__":
    main()
