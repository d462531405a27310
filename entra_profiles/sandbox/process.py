"""The sandbox in a child process (`python -m entra_profiles.sandbox serve`), as the demo and the
benchmarks use it: started, waited for until it writes sandbox.json, and always stopped."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class SandboxStartError(RuntimeError):
    """The child exited or wrote no sandbox.json in time."""


@contextmanager
def sandbox_process(
    state_dir: Path, seed: Path, env: Mapping[str, str], *, timeout: float = 60.0, stderr: Path | None = None
) -> Iterator[dict[str, Any]]:
    """Yield the running sandbox's sandbox.json; SIGTERM (then kill) on the way out, whatever happened.
    `stderr`: a file for the child's stderr, whose tail is shown when it fails to start."""
    state_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "entra_profiles.sandbox", "serve", "--state-dir", str(state_dir),
               "--seed", str(seed)]  # fmt: skip
    sink = stderr.open("wb") if stderr is not None else subprocess.DEVNULL
    try:
        process = subprocess.Popen(command, env=dict(env), stdout=subprocess.DEVNULL, stderr=sink)
    finally:
        if stderr is not None:
            sink.close()  # type: ignore[union-attr]
    with stopped_on_exit(process):
        yield _wait(state_dir / "sandbox.json", process, timeout, stderr)


@contextmanager
def stopped_on_exit(process: subprocess.Popen[Any]) -> Iterator[subprocess.Popen[Any]]:
    """`process`, sent SIGTERM on the way out (killed if it has not exited 15 s later), whatever happened."""
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait(info: Path, process: subprocess.Popen[bytes], timeout: float, stderr: Path | None) -> dict[str, Any]:
    """The child's sandbox.json: one left by a sandbox that died, or written by another, is not it."""
    deadline = time.monotonic() + timeout
    while True:
        data = _read(info)
        if data is not None and data.get("pid") == process.pid:
            return data
        if process.poll() is not None or time.monotonic() > deadline:
            tail = stderr.read_text(errors="replace")[-2000:] if stderr is not None else ""
            raise SandboxStartError(f"the sandbox did not start (exit code {process.poll()})\n{tail}".rstrip())
        time.sleep(0.05)


def _read(info: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(info.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
