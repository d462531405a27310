"""Helpers for the run tests: ids of the example world, report parsing."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from clirunner import Result

CONTOSO = "7f0c1c5e-3d2a-4b8e-9f10-0a1b2c3d4e5f"
FABRIKAM = "4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d"
AUTOMATION = "0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811"
FABRIKAM_APP = "6d7e8f90-a1b2-4c3d-9e4f-5a6b7c8d9e0f"
UNCONSENTED = "3c2d1e0f-9a8b-4c7d-8e6f-5a4b3c2d1e0f"
RETIRED = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"
UAMI = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"

RunProfiles = Callable[..., Result]


def report(result: Result) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.out)
    return data


def by_name(result: Result) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in report(result)["profiles"]}


# What a deadline test allows beyond --timeout: process start-up (imports take ~1 s, several on a loaded
# machine) and scheduling. The waits these tests catch took 40-200 s, or never ended.
GRACE_S = 10.0
VAULT = "https://contoso-ops.vault.azure.net"


def contoso_secret(name: str, secret: str = "sandbox-secret-contoso-1", extra: str = "") -> str:
    """A profile of the Automation app in Contoso with a client secret (a value or a reference)."""
    return f"""  {name}:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    credential: {{type: client_secret, secret: "{secret}"}}
{extra}"""


def timed(call: Callable[[], Result]) -> tuple[Result, float]:
    """The call's result and how long it took."""
    import time

    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def in_parallel(calls: list[Callable[[], Result]]) -> list[tuple[Result, float]]:
    """Each call's result and how long it took, the calls run at once (each is a CLI subprocess)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(calls) or 1) as pool:
        return list(pool.map(timed, calls))


def dead_port() -> int:
    """A loopback port nothing listens on (connections to it are refused)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def dead_proxy() -> dict[str, str]:
    """The environment of a machine whose HTTPS proxy is down, with nothing in NO_PROXY."""
    proxy = f"http://127.0.0.1:{dead_port()}"
    return {"HTTPS_PROXY": proxy, "HTTP_PROXY": proxy, "NO_PROXY": "", "no_proxy": ""}
