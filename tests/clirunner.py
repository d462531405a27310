"""Run the CLI as a user does: in a subprocess (network guard preloaded) or in-process."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from testenv import scrubbed_environ


@dataclass
class Result:
    code: int
    out: str
    err: str
    file: str = ""  # the profiles file, when the helper wrote one


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 120) -> Result:
    """`python -m entra_profiles ARGS` with a scrubbed environment (plus `env`)."""
    environ = scrubbed_environ()
    environ.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "entra_profiles", *args],
        env=environ,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def start_cli(*args: str) -> subprocess.Popen[str]:
    """`python -m entra_profiles ARGS` started, not waited for (to signal it, or time it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "entra_profiles", *args],
        env=scrubbed_environ(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
