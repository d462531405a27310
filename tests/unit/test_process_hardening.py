"""Small hardening: no core dump of our process (it holds secrets), no trailing newline slipping through
the GUID and domain checks, and a sandbox state that other users can neither read nor change under any
umask."""

from __future__ import annotations

import json
import os
import resource
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from clirunner import run_cli
from hostile import APP, one_profile
from testenv import REPO_DIR, scrubbed_environ


def core_pattern() -> str:
    try:
        return Path("/proc/sys/kernel/core_pattern").read_text().strip()
    except OSError:
        return "|"


@pytest.mark.skipif(core_pattern().startswith(("|", "/")), reason="core files are not written to the working folder")
def test_an_aborted_command_writes_no_core_file(tmp_path: Path) -> None:
    path = one_profile(tmp_path, "{type: client_secret, secret: core-dump-canary-secret}")
    started = tmp_path / "started"
    child = f"echo $$ > {started}; exec sleep 60"

    def unlimited() -> None:
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))

    command = [sys.executable, "-m", "entra_profiles", "-f", str(path), "exec", "app", "--", "sh", "-c", child]
    process = subprocess.Popen(command, cwd=tmp_path, env=scrubbed_environ(), preexec_fn=unlimited)
    try:
        deadline = time.monotonic() + 30
        while not (started.exists() and started.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGABRT)
        assert process.wait(timeout=30) == -signal.SIGABRT
    finally:
        if started.exists() and started.read_text().strip():
            os.kill(int(started.read_text()), signal.SIGKILL)
        process.kill()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("core")] == []


@pytest.mark.parametrize(("field", "value"), [("tenant", "contoso.onmicrosoft.com\n"), ("client_id", APP + "\n")])
def test_a_trailing_newline_fails_the_guid_and_domain_checks(tmp_path: Path, field: str, value: str) -> None:
    path = one_profile(tmp_path, "{type: client_secret, secret: s3cret}")
    path.write_text(path.read_text().replace(f"    {field}: ", f'    {field}: "${{env:V}}"\n    #'))
    r = run_cli("-f", str(path), "validate", env={"V": value})
    assert (r.code, r.out) == (1, "")
    assert f"profiles.app.{field}: the value of ${{env:V}} is " in r.err


def test_the_sandbox_state_is_private_under_umask_000(tmp_path: Path) -> None:
    state = tmp_path / "state"
    seed = tmp_path / "seed.yaml"
    seed.write_text("tenants: []\n")
    env = scrubbed_environ()
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_DIR / "tests" / "netguard"), str(REPO_DIR)])
    command = [
        sys.executable,
        "-m",
        "entra_profiles",
        "sandbox",
        "serve",
        "--state-dir",
        str(state),
        "--seed",
        str(seed),
    ]
    process = subprocess.Popen(command, env=env, preexec_fn=lambda: os.umask(0), stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not (state / "sandbox.json").exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        info = json.loads((state / "sandbox.json").read_text())
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in [state, *state.iterdir()]}
        assert modes.pop("state") == 0o700
        assert {modes.pop(n) for n in ("ca.pem", "server.pem")} == {0o644}
        assert {n: oct(m) for n, m in modes.items() if m != 0o600} == {}
        assert Path(info["ca_bundle"]) == state / "ca.pem"
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)
