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
    left_loopback(proc.stderr)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def left_loopback(stderr: str) -> None:
    """Fail the test when the CLI subprocess tried to leave loopback: the guard preloaded in it refused the
    connection, but only this makes the refusal fail the test (as the in-process guard does)."""
    tried = [line for line in stderr.splitlines() if line.startswith("network guard:")]
    if tried:
        import pytest

        pytest.fail("the CLI tried to leave loopback:\n" + "\n".join(tried), pytrace=False)


def validate_in_process(*args: str) -> Result:
    """`entra-profiles ARGS validate` through the CLI's main() in this process, output captured: the
    same code path as the command, fast enough for thousands of files. The redactor starts empty, as
    in a fresh process."""
    import contextlib
    import io

    from entra_profiles.cli import main
    from entra_profiles.redact import REDACTOR

    REDACTOR.clear()
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([*args, "validate"])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return Result(code, out.getvalue(), err.getvalue())


def start_cli(*args: str) -> subprocess.Popen[str]:
    """`python -m entra_profiles ARGS` started, not waited for (to signal it, or time it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "entra_profiles", *args],
        env=scrubbed_environ(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
