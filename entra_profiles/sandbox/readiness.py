"""`sandbox wait DIR`: block until the sandbox serving from DIR answers, and fail fast when it died.

Ready means: DIR/sandbox.json names a live process whose health endpoint answers over HTTPS, verified
with the sandbox's own CA. A sandbox that started (it wrote its pid to DIR/sandbox.lock) and exited
without becoming ready — a bad seed, a port in use — is reported at once rather than at the deadline.
Standard library only: no crypto, no server code.
"""

from __future__ import annotations

import json
import shlex
import ssl
import time
import urllib.request
from pathlib import Path

from .info import INFO_FILE, lock_holder, pid_alive

POLL = 0.1
RECENT = 5.0  # seconds: a start that failed this shortly before the wait began still counts as this start's


class NotReady(Exception):
    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def _serve_command(state_dir: Path) -> str:
    return f"entra-profiles sandbox serve --state-dir {shlex.quote(str(state_dir))} --seed SEED.yaml"


def _answers(info: dict[str, object]) -> bool:
    """Whether the sandbox's health endpoint answers 200 over TLS checked against its CA (no proxy)."""
    url, ca = info.get("authority_host"), info.get("ca_bundle")
    if not isinstance(url, str) or not isinstance(ca, str) or not url.startswith("https://"):
        return False
    try:
        context = ssl.create_default_context(cafile=ca)
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context)
        )
        with opener.open(f"{url}/_sandbox/health", timeout=2) as response:
            return bool(response.status == 200)
    except (OSError, ValueError, ssl.SSLError):
        return False


def _ready(state_dir: Path) -> tuple[str, int] | None:
    try:
        info = json.loads((state_dir / INFO_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict) or type(info.get("pid")) is not int or not pid_alive(info["pid"]):
        return None
    return (str(info["authority_host"]), info["pid"]) if _answers(info) else None


def wait_until_ready(state_dir: Path, timeout: float) -> tuple[str, int]:
    """(URL, pid) of the sandbox serving from `state_dir` once it answers; NotReady when the sandbox that
    started there exits first, or when `timeout` seconds pass."""
    started = time.time()
    deadline = time.monotonic() + timeout
    while True:
        ready = _ready(state_dir)
        if ready is not None:
            return ready
        holder = lock_holder(state_dir)
        if holder is not None and not pid_alive(holder[0]) and holder[1] >= started - RECENT:
            raise NotReady(
                f"the sandbox started in {state_dir} (pid {holder[0]}) stopped before it was ready",
                f"read the error `sandbox serve` printed, then start it again: {_serve_command(state_dir)}",
            )
        if time.monotonic() >= deadline:
            gone = ""
            if holder is not None:
                state = "is still starting" if pid_alive(holder[0]) else "is not running"
                gone = f"; the last one started there (pid {holder[0]}) {state}"
            raise NotReady(
                f"no sandbox answered in {state_dir} within {timeout:g} s{gone}",
                f"start one: {_serve_command(state_dir)} (or give a longer --timeout)",
            )
        time.sleep(POLL)
