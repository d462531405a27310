"""Run the real Node clients (tests/interop/node: @azure/identity, @azure/msal-node, @azure/keyvault-secrets).

Node is optional on a developer's machine: without `node` the Node tests are skipped, saying so. With
node but without the pinned packages they fail (`make test` installs them with `npm ci`; a test never
reaches a registry). Every Node process gets the loopback-only guard (node/netguard.cjs) preloaded, and a
"network guard:" line on its stderr fails the test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from testenv import TESTS_DIR, scrubbed_environ

NODE_DIR = TESTS_DIR / "interop" / "node"
DRIVER = NODE_DIR / "drive.mjs"
GUARD = NODE_DIR / "netguard.cjs"
MIN_MAJOR = 20
INSTALL = "run `make node-deps` (npm ci in tests/interop/node) first"


def node_binary() -> str:
    """The `node` to run; skips the test when there is none, fails it when the packages are not installed."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the Node interop tier needs node 20 or later on PATH")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    major = int(version.lstrip("v").split(".")[0] or 0)
    if major < MIN_MAJOR:
        pytest.fail(f"node {version} is too old for the Node interop tier (needs {MIN_MAJOR} or later)")
    pinned = json.loads((NODE_DIR / "package.json").read_text())["dependencies"]
    for name, version in pinned.items():
        manifest = NODE_DIR / "node_modules" / name / "package.json"
        if not manifest.is_file():
            pytest.fail(f"{name} is not installed in {NODE_DIR}: {INSTALL}")
        installed = json.loads(manifest.read_text())["version"]
        if installed != version:
            pytest.fail(f"{name} {installed} is installed, package.json pins {version}: {INSTALL}")
    return node


def node_environ(ca: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """A scrubbed environment that trusts the sandbox CA (Node reads NODE_EXTRA_CA_CERTS at start)."""
    env = scrubbed_environ()
    env.pop("NODE_OPTIONS", None)
    env["NODE_EXTRA_CA_CERTS"] = ca
    env.update(extra or {})
    return env


def drive(cases: list[dict[str, Any]], env: dict[str, str], prefix: list[str] | None = None) -> dict[str, Any]:
    """Run `cases` in one Node process (see drive.mjs); `prefix` runs node through something else
    (`bash -c '. vars.sh && exec "$@"'`, `entra-profiles exec …`), which passes the environment on."""
    node = node_binary()
    command = [*(prefix or []), node, "--require", str(GUARD), str(DRIVER)]
    proc = subprocess.run(
        command, input=json.dumps(cases), env=env, capture_output=True, text=True, timeout=180, cwd=NODE_DIR
    )
    if "network guard:" in proc.stderr:
        pytest.fail("a Node client tried to leave loopback:\n" + proc.stderr[-3000:], pytrace=False)
    if proc.returncode != 0 or not proc.stdout.strip():
        pytest.fail(f"the Node driver failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}", pytrace=False)
    results: dict[str, Any] = json.loads(proc.stdout.splitlines()[-1])
    return results


def sourced(script: Path) -> list[str]:
    """A prefix that sources a `--format sh` export in bash, then runs the command with what it exported."""
    return ["bash", "-c", '. "$1" && shift && exec "$@"', "bash", str(script)]


def identity_case(case_id: str, credential: str, args: list[Any], scope: str) -> dict[str, Any]:
    return {"id": case_id, "client": "identity", "credential": {"type": credential, "args": args}, "scope": scope}


def keyvault_case(case_id: str, credential: str, args: list[Any], vault: str, name: str) -> dict[str, Any]:
    credential_spec = {"type": credential, "args": args}
    return {"id": case_id, "client": "keyvault", "credential": credential_spec, "vault": vault, "name": name}


def token_of(result: dict[str, Any]) -> str:
    """The token a case got; fails the test with the client's own error when it got none."""
    if "error" in result:
        pytest.fail(f"the Node client failed: {result['error']['name']}: {result['error']['message']}", pytrace=False)
    token: str = result["token"]
    return token
