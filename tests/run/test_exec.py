"""`exec`: the child signs in from its environment; exit status, signals, cleanup, nesting, no secret in argv."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from clirunner import run_cli
from exportsupport import SECRET, all_credentials, child_script, cli, write_profiles
from runsupport import AUTOMATION
from testenv import scrubbed_environ

from entra_profiles.sandbox import Sandbox
from entra_profiles.sandbox.example import ExampleWorld

# Writes what it was given to a file, then waits for a signal; records the signal and exits 128+N.
SLEEPER = """
import json, os, signal, sys, time
out = sys.argv[1]
def got(signum, frame):
    open(out + ".signal", "w").write(str(signum))
    sys.exit(128 + signum)
signal.signal(signal.SIGTERM, got)
signal.signal(signal.SIGINT, got)
env = {k: v for k, v in os.environ.items() if k.startswith(("AZURE_", "ARM_", "ENTRA_"))}
json.dump({"pid": os.getpid(), "env": env}, open(out + ".tmp", "w"))
os.rename(out + ".tmp", out)
time.sleep(60)
"""


def test_default_azure_credential_narrowed_to_environment(box: Sandbox, world: ExampleWorld, tmp_path: Path) -> None:
    profiles = write_profiles(tmp_path, all_credentials(world, tmp_path))
    child = [sys.executable, str(child_script(tmp_path)), "default", box.info["ca_bundle"]]
    for profile in ("secret", "vault-cert"):
        r = cli(box, profiles, "exec", profile, "--", *child, env={"AZURE_TOKEN_CREDENTIALS": "EnvironmentCredential"})
        assert r.code == 0, r.err
        assert json.loads(r.out)["appid"] == AUTOMATION


def test_exit_status_environment_and_cleanup_after_failure(box: Sandbox, world: ExampleWorld, tmp_path: Path) -> None:
    profiles = write_profiles(tmp_path, all_credentials(world, tmp_path))
    code = "import json, os, sys; e = dict(os.environ); print(json.dumps(e)); sys.exit(7)"  # fails with 7
    stale = {"AZURE_CLIENT_SECRET": "left-over-from-elsewhere", "ARM_CLIENT_SECRET": "x", "UNRELATED": "kept"}
    stale["IDENTITY_ENDPOINT"] = "http://127.0.0.1:1/machine"  # set aside while our managed identity reads the vault
    r = cli(box, profiles, "exec", "vault-cert", "--vars", "all", "--", sys.executable, "-c", code, env=stale)
    assert r.code == 7, r.err
    env = json.loads(r.out)
    assert env["ENTRA_PROFILES_ACTIVE"] == "vault-cert"
    assert "AZURE_CLIENT_SECRET" not in env and "ARM_CLIENT_SECRET" not in env and env["UNRELATED"] == "kept"
    assert env["IDENTITY_ENDPOINT"] == stale["IDENTITY_ENDPOINT"]  # as we were given it, not as our credential needed
    assert "AZURE_POD_IDENTITY_AUTHORITY_HOST" not in env
    pem, pfx = Path(env["AZURE_CLIENT_CERTIFICATE_PATH"]), Path(env["ARM_CLIENT_CERTIFICATE_PATH"])
    assert pem.parent == pfx.parent
    assert not pem.parent.exists()  # removed when the command ended
    assert r.err == ""


def test_nesting_is_refused_unless_asked(box: Sandbox, world: ExampleWorld, tmp_path: Path) -> None:
    profiles = write_profiles(tmp_path, all_credentials(world, tmp_path))
    r = cli(box, profiles, "exec", "secret", "--", "true", env={"ENTRA_PROFILES_ACTIVE": "outer"})
    assert (r.code, r.out) == (2, "")
    assert r.err == (
        "error: already inside `entra-profiles exec` for profile 'outer' (ENTRA_PROFILES_ACTIVE is set)\n"
        "  hint: run the command directly, or pass --nest to start one exec inside another\n"
    )
    r = cli(box, profiles, "exec", "secret", "--nest", "--", "sh", "-c", 'echo "$ENTRA_PROFILES_ACTIVE"')
    assert (r.code, r.out) == (0, "secret\n")


def test_command_not_found_and_missing_command(box: Sandbox, world: ExampleWorld, tmp_path: Path) -> None:
    profiles = write_profiles(tmp_path, all_credentials(world, tmp_path))
    r = cli(box, profiles, "exec", "secret", "--", "no-such-command-4f2a")
    assert (r.code, r.err) == (127, "error: command not found: no-such-command-4f2a\n")
    r = run_cli("-f", str(profiles), "exec", "secret")
    assert (r.code, r.err) == (2, "error: missing argument 'COMMAND...'\n  hint: see 'entra-profiles exec --help'\n")
    r = cli(box, profiles, "exec", "secret", "--check", "--", "true", env={"APP_SECRET": "wrong-secret"})
    assert (r.code, r.err.splitlines()[0]) == (
        1,
        "error: secret: --check failed, nothing run: AADSTS7000215: invalid client secret",
    )


def cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signals_are_forwarded_and_files_removed(
    box: Sandbox, world: ExampleWorld, tmp_path: Path, sig: signal.Signals
) -> None:
    profiles = write_profiles(tmp_path, all_credentials(world, tmp_path))
    sleeper = tmp_path / "sleeper.py"
    sleeper.write_text(SLEEPER)
    report = tmp_path / "report.json"
    env = scrubbed_environ()
    env["APP_SECRET"] = SECRET
    args = ["-f", str(profiles), "exec", "vault-cert", "--vars", "all", "--token"]
    args += ["--sandbox", str(box.state_dir), "--", sys.executable, str(sleeper), str(report)]
    ours = subprocess.Popen(
        [sys.executable, "-m", "entra_profiles", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not report.exists():
            assert ours.poll() is None, ours.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        seen = json.loads(report.read_text())
        secrets = [seen["env"][n] for n in ("ARM_CLIENT_CERTIFICATE_PASSWORD", "AZURE_ACCESS_TOKEN")]
        for pid in (ours.pid, seen["pid"]):  # what `ps` shows of us and of the child
            assert all(s not in cmdline(pid) for s in secrets), pid
        files = Path(seen["env"]["AZURE_CLIENT_CERTIFICATE_PATH"]).parent
        assert files.is_dir()
        ours.send_signal(sig)
        out, err = ours.communicate(timeout=30)
    finally:
        if ours.poll() is None:
            ours.kill()
    assert (tmp_path / "report.json.signal").read_text() == str(int(sig))  # the child got it
    assert ours.returncode == 128 + sig, err
    assert not files.exists()
    assert (out, err) == ("", "")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGQUIT])
def test_interrupted_before_the_child_starts_leaves_nothing(box: Sandbox, tmp_path: Path, sig: signal.Signals) -> None:
    # The CI token is fetched, then Entra's token endpoint is slow (--token is got before any file is
    # written, and the files before the child starts): a signal must still leave nothing behind.
    profiles = write_profiles(tmp_path, all_credentials_min())
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir()
    box.set_faults({"rules": [{"endpoint": "token", "action": "latency", "delay_ms": 5000}]})
    env = {**scrubbed_environ(), "RUNNER_TEMP": str(runner_temp)}
    args = ["-f", str(profiles), "exec", "github", "--vars", "all", "--token", "--sandbox", str(box.state_dir)]
    seen = len(box.request_log())
    ours = subprocess.Popen(
        [sys.executable, "-m", "entra_profiles", *args, "--", "true"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while not any(r["path"].startswith("/ci/github/") for r in box.request_log()[seen:]):  # Entra's is on its way
        assert ours.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    ours.send_signal(sig)
    out, err = ours.communicate(timeout=30)
    assert out == ""
    # as after Ctrl-C, wherever it lands (click adds a newline after ^C when the interrupt reaches it bare)
    assert (ours.returncode, err.strip()) == (130, "interrupted")
    assert os.listdir(runner_temp) == []


def all_credentials_min() -> str:
    return f"""  github:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    credential: {{type: workload_identity, github: true}}
"""
