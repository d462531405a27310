"""`sandbox serve` says when its world is empty and when its port is taken, in the tool's error style;
sandbox.json says whether the world is seeded; `sandbox wait DIR` returns once the sandbox answers, and
fails (never hangs) when the sandbox died first or the timeout passed."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from clirunner import run_cli
from testenv import scrubbed_environ

from entra_profiles.sandbox import Sandbox
from entra_profiles.sandbox.example import ExampleWorld
from entra_profiles.sandbox.process import stopped_on_exit


@contextmanager
def serving(*args: str) -> Iterator[subprocess.Popen[str]]:
    """`python -m entra_profiles sandbox serve ARGS` in the background, stopped on the way out."""
    command = [sys.executable, "-m", "entra_profiles", "sandbox", "serve", *args]
    process = subprocess.Popen(
        command, env=scrubbed_environ(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    with stopped_on_exit(process):
        yield process
    if process.stdout is not None and not process.stdout.closed:
        process.communicate(timeout=15)  # close the pipes of a process whose output the test did not read


def test_serve_without_a_seed_warns_and_records_an_empty_world(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with serving("--state-dir", str(state)) as process:
        waited = run_cli("sandbox", "wait", str(state), "--timeout", "120", timeout=150)
        info = json.loads((state / "sandbox.json").read_text())
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert waited.code == 0, waited.err
    assert waited.err == f"sandbox ready on {info['authority_host']} (pid {info['pid']})\n"
    assert (info["seeded"], info["tenants"]) == (False, [])
    assert err.startswith(
        "warning: no --seed: the sandbox serves an empty world (no tenant, app, managed identity or vault), so "
        "every sign-in against it fails (AADSTS90002: tenant not found)\n"
        f"  hint: give it a world: entra-profiles sandbox serve --state-dir {state} --seed SEED.yaml "
        "(`make demo` writes one to .demo/seed.yaml; the format is in docs/sandbox.md)\n"
        f"sandbox serving on {info['authority_host']}"
    )


def test_sandbox_json_records_a_seeded_world(sb: Sandbox) -> None:
    assert sb.info["seeded"] is True
    assert [t["display_name"] for t in sb.info["tenants"]] == ["Contoso", "Fabrikam"]
    assert sb.info["arm_endpoint"] == sb.url + "/"
    assert sb.info["arm_metadata_host"] == sb.url.removeprefix("https://")


def test_a_port_in_use_says_so_with_a_hint(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = run_cli("sandbox", "serve", "--state-dir", str(tmp_path), "--port", str(port), timeout=60)
    assert (r.code, r.out) == (2, "")
    assert r.err == (
        f"error: cannot listen on 127.0.0.1:{port}: the port is in use\n"
        "  hint: give another --port, or leave it out (--port 0) to take a free one\n"
    )


def test_wait_returns_once_the_sandbox_answers(sb: Sandbox) -> None:
    r = run_cli("sandbox", "wait", str(sb.state_dir), timeout=60)
    assert (r.code, r.out, r.err) == (0, "", f"sandbox ready on {sb.url} (pid {sb.info['pid']})\n")


def test_wait_fails_at_its_timeout_when_nothing_starts(tmp_path: Path) -> None:
    r = run_cli("sandbox", "wait", str(tmp_path), "--timeout", "0.5", timeout=60)
    assert (r.code, r.out) == (1, "")
    assert r.err == (
        f"error: no sandbox answered in {tmp_path} within 0.5 s\n"
        f"  hint: start one: entra-profiles sandbox serve --state-dir {tmp_path} --seed SEED.yaml "
        "(or give a longer --timeout)\n"
    )


def test_wait_fails_fast_when_the_sandbox_dies_before_it_is_ready(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("tenants: [{id: x, colour: blue}]\n")  # serve takes the directory, then refuses the seed
    state = tmp_path / "state"
    with serving("--state-dir", str(state), "--seed", str(seed)) as process:
        r = run_cli("sandbox", "wait", str(state), "--timeout", "300", timeout=330)
        process.wait(timeout=60)
    assert (r.code, r.out) == (1, "")
    assert r.err == (
        f"error: the sandbox started in {state} (pid {process.pid}) stopped before it was ready\n"
        "  hint: read the error `sandbox serve` printed, then start it again: "
        f"entra-profiles sandbox serve --state-dir {state} --seed SEED.yaml\n"
    )


@pytest.mark.parametrize(
    "mistake",
    [
        ["--seed", "no-such-seed.yaml"],  # click's own check of the path
        ["--host", "10.0.0.1"],  # ours: not loopback
        ["--port", "70000"],  # click's range
        ["--sed", "seed.yaml"],  # an option click does not know
    ],
    ids=["missing-seed", "host-not-loopback", "port-out-of-range", "unknown-option"],
)
def test_wait_fails_fast_when_serve_dies_on_its_arguments(tmp_path: Path, mistake: list[str]) -> None:
    """`serve … & sandbox wait DIR`: serve records itself in DIR before checking its arguments, so wait says
    at once that it stopped (not, 300 s later, that nothing answered)."""
    state = tmp_path / "state"
    with serving("--state-dir", str(state), *mistake) as process:
        r = run_cli("sandbox", "wait", str(state), "--timeout", "300", timeout=330)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 2 and err.startswith("error: "), err
    assert (r.code, r.out) == (1, "")
    assert r.err.startswith(f"error: the sandbox started in {state} (pid {process.pid}) stopped before it was ready\n")


def test_serve_help_is_not_a_failed_start(tmp_path: Path) -> None:
    r = run_cli("sandbox", "serve", "--state-dir", str(tmp_path), "--help", timeout=60)
    assert r.code == 0 and r.out.startswith("Usage: ")
    assert (tmp_path / "sandbox.lock").read_text() == ""  # no pid left: `wait` does not blame it


def test_a_sandbox_that_stopped_cleanly_is_not_taken_for_a_failed_start(
    example_world: ExampleWorld, tmp_path: Path
) -> None:
    with Sandbox(tmp_path, example_world.seed):
        pass
    started = time.monotonic()
    r = run_cli("sandbox", "wait", str(tmp_path), "--timeout", "1", timeout=60)
    assert r.code == 1 and r.err.startswith(f"error: no sandbox answered in {tmp_path} within 1 s\n")
    assert time.monotonic() - started >= 1  # it waited for a new one rather than blaming the old one
