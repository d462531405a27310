"""The fault matrix of `run`: the token, discovery, managed identity, CI OIDC, Key Vault and Graph
endpoints, each made silent, trickling, resetting, throttling (429), failing (503, 500), malformed or
redirecting, all at once in one batch per fault, each endpoint failing its own profile. For every
fault: the batch ends within --timeout and a grace, the process exits, the profile that meets no fault
stays ok, and each failure names its endpoint and the cause.

One batch of eight profiles covers the six endpoints: faults aim at one profile each by client id
(token, managed identity), by path (the discovery of the tenant named by its domain), or by kind (CI
OIDC, Key Vault, Graph: one profile each uses them, but two share the CI's token). The batches run at
once on the four `lab` sandboxes."""

from __future__ import annotations

import queue
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from clirunner import Result, run_cli
from runsupport import AUTOMATION, CONTOSO, FABRIKAM_APP, GRACE_S, UAMI, VAULT, by_name, timed

from entra_profiles.sandbox import Sandbox

TIMEOUT = 4  # room for 4 CLI processes at once on a loaded 2-core machine (2 s timed out cells that fail fast)
FAULTS: dict[str, tuple[dict[str, Any], str, str | None]] = {  # name: (fault, what the message says, code)
    "silent": ({"action": "latency", "delay_ms": 120_000}, f"timed out after {TIMEOUT} s waiting for", "timeout"),
    "trickling": ({"action": "trickle", "delay_ms": 400}, f"timed out after {TIMEOUT} s waiting for", "timeout"),
    "resetting": ({"action": "reset"}, "the connection was dropped before an answer came", "unreachable"),
    "429": ({"action": "status", "status": 429, "retry_after": 1}, "429", None),
    "503": ({"action": "status", "status": 503}, "503", None),
    "500": ({"action": "status", "status": 500}, "500", None),
    "html": ({"action": "malformed", "body": "html"}, "answered with an HTML page", "malformed_answer"),
    "not-json": ({"action": "malformed", "body": "not_json"}, "not valid JSON", "malformed_answer"),
    "empty": ({"action": "malformed", "body": "empty"}, "answered with an empty body", "malformed_answer"),
    "truncated": ({"action": "malformed", "body": "truncated"}, "cut its answer short", "malformed_answer"),
    "redirecting": ({"action": "redirect"}, "redirected (HTTP 307) to https://127.0.0.1:1/redirected", "redirect"),
}
SECRET = "{type: client_secret, secret: sandbox-secret-contoso-1}"
PROFILES = f"""version: 1
profiles:
  token:
    tenant: 4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d
    client_id: {FABRIKAM_APP}
    credential: {{type: client_secret, secret: sandbox-secret-fabrikam-1}}
  discovery:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    credential: {SECRET}
  identity:
    tenant: {CONTOSO}
    credential: {{type: managed_identity, client_id: {UAMI}}}
  ci:
    tenant: {CONTOSO}
    client_id: {AUTOMATION}
    credential: {{type: workload_identity, github: true}}
  ci-too:
    tenant: {CONTOSO}
    client_id: {AUTOMATION}
    credential: {{type: workload_identity, github: true}}
  vault:
    tenant: {CONTOSO}
    client_id: {AUTOMATION}
    keyvault_credential: managed_identity:{UAMI}
    credential: {{type: client_secret, secret: "${{keyvault:{VAULT}/secrets/contoso-app-secret}}"}}
  graph:
    tenant: {CONTOSO}
    client_id: {AUTOMATION}
    probe: true
    credential: {SECRET}
  steady:
    tenant: {CONTOSO}
    client_id: {AUTOMATION}
    credential: {SECRET}
"""


def rules(fault: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"endpoint": "token", "client_id": FABRIKAM_APP, **fault},
        {"endpoint": "discovery", "path": "/contoso.onmicrosoft.com/", **fault},
        {"endpoint": "managed_identity", "client_id": UAMI, **fault},
        {"endpoint": "oidc", **fault},
        {"endpoint": "keyvault", **fault},
        {"endpoint": "graph", **fault},
    ]


def endpoints(sb: Sandbox) -> dict[str, str]:
    """What each profile's failure must name."""
    authority = sb.info["authority_host"]
    return {
        "token": f"the token endpoint at {authority}",
        "discovery": f"the discovery endpoint at {authority}",
        "identity": f"the managed identity endpoint at {sb.info['imds_authority_host']}",
        "ci": f"GitHub's OIDC endpoint at {authority}",
        "ci-too": f"GitHub's OIDC endpoint at {authority}",  # it waits for the CI token "ci" asks for, or asks
        "vault": f"Key Vault secret 'contoso-app-secret' in {VAULT}: ",
        "graph": "Graph",
    }


def test_fault_matrix(lab: list[Sandbox], tmp_path: Path) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text(PROFILES)
    free: queue.SimpleQueue[Sandbox] = queue.SimpleQueue()
    for sb in lab:
        free.put(sb)
    used: dict[str, Sandbox] = {}

    def cell(name: str) -> tuple[Result, float]:
        sb = free.get()
        used[name] = sb
        try:
            sb.set_faults({"rules": rules(FAULTS[name][0])})
            args = ["--sandbox", str(sb.state_dir), "--timeout", str(TIMEOUT), "--format", "json"]
            return timed(lambda: run_cli("-f", str(path), "run", "all", *args, timeout=60))
        finally:
            sb.set_faults(None)
            free.put(sb)

    names = list(FAULTS)
    with ThreadPoolExecutor(max_workers=len(lab)) as pool:
        done = list(pool.map(cell, names))
    problems = []
    for name, (r, elapsed) in zip(names, done, strict=True):
        _, says, code = FAULTS[name]
        if elapsed >= TIMEOUT + GRACE_S:
            problems.append(f"{name}: the batch took {elapsed:.1f} s")
        got = by_name(r)
        if got["steady"]["status"] != "ok":
            problems.append(f"{name}: steady failed: {got['steady']['error']}")
        for profile, where in endpoints(used[name]).items():
            error = got[profile]["error"] or {}
            message = error.get("message", "")
            if where not in message or says not in message or (code and error.get("code") != code):
                problems.append(f"{name}: {profile}: {error}")
            elif error.get("code") in ("failed", "unavailable"):
                problems.append(f"{name}: {profile}: no specific code: {error}")
    assert not problems, "\n".join(problems)
