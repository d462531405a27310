"""One sandbox per state directory: a second one is refused while the first serves; a stale
sandbox.json is replaced; sandbox.json is private (0600) and written atomically."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from clirunner import run_cli
from testenv import scrubbed_environ

from entra_profiles.sandbox import Sandbox
from entra_profiles.sandbox.api import SandboxAlreadyRunning
from entra_profiles.sandbox.example import ExampleWorld
from entra_profiles.sandbox.process import sandbox_process


def dead_pid() -> int:
    """The id of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def healthy(info: dict[str, object]) -> bool:
    with requests.Session() as http:
        http.trust_env = False
        return http.get(f"{info['admin_url']}/health", verify=str(info["ca_bundle"]), timeout=5).ok


@pytest.fixture
def serving(example_world: ExampleWorld, tmp_path: Path) -> Iterator[tuple[Path, dict[str, object]]]:
    """A `sandbox serve` child process in tmp_path/state, and its sandbox.json."""
    state = tmp_path / "state"
    with sandbox_process(state, example_world.seed, scrubbed_environ(), stderr=tmp_path / "first.stderr") as info:
        yield state, info


def test_a_second_serve_is_refused_and_the_first_keeps_serving(serving: tuple[Path, dict[str, object]]) -> None:
    state, info = serving
    before = (state / "sandbox.json").read_bytes()
    expected = (
        f"error: a sandbox is already serving in {state} (pid {info['pid']}, port {info['port']})\n"
        f"  hint: stop it first (kill {info['pid']}), or give another --state-dir\n"
    )
    r = run_cli("sandbox", "serve", "--state-dir", str(state), timeout=60)
    assert (r.code, r.out, r.err) == (2, "", expected)
    module = subprocess.run(
        [sys.executable, "-m", "entra_profiles.sandbox", "serve", "--state-dir", str(state)],
        env=scrubbed_environ(),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert (module.returncode, module.stderr) == (2, expected)
    assert (state / "sandbox.json").read_bytes() == before  # neither overwritten nor removed
    assert healthy(info)


def test_the_python_api_refuses_a_state_dir_in_use(sb: Sandbox) -> None:
    info_file = sb.state_dir / "sandbox.json"
    before = info_file.read_bytes()
    second = Sandbox(sb.state_dir, seed=None)
    with pytest.raises(SandboxAlreadyRunning) as caught, second:
        pass
    assert (caught.value.pid, caught.value.port) == (os.getpid(), sb.info["port"])
    assert str(caught.value) == (
        f"a sandbox is already serving in {sb.state_dir} (pid {os.getpid()}, port {sb.info['port']})"
    )
    second.stop()  # a sandbox that never started removes nothing
    assert info_file.read_bytes() == before
    assert healthy(sb.info)


def test_a_running_sandbox_without_the_lock_is_recognised_too(sb: Sandbox, tmp_path: Path) -> None:
    """A sandbox that holds no lock (another version, a file system without locks) is found by its
    sandbox.json: its process is alive and answers on its port."""
    (tmp_path / "sandbox.json").write_bytes((sb.state_dir / "sandbox.json").read_bytes())
    with pytest.raises(SandboxAlreadyRunning, match=rf"\(pid {os.getpid()}, port {sb.info['port']}\)$"):
        Sandbox(tmp_path, seed=None).start()
    assert (tmp_path / "sandbox.json").read_bytes() == (sb.state_dir / "sandbox.json").read_bytes()


@pytest.mark.parametrize("stale", ["dead pid", "nobody answering", "not json"])
def test_a_stale_sandbox_json_is_replaced(sb: Sandbox, tmp_path: Path, stale: str) -> None:
    old = dict(sb.info)
    if stale == "dead pid":
        old["pid"] = dead_pid()
        old["authority_host"] = "https://127.0.0.1:9"  # discard port: nothing answers
    elif stale == "nobody answering":
        old["authority_host"] = "https://127.0.0.1:9"  # our own pid is alive, but no sandbox there
    (tmp_path / "sandbox.json").write_text("{not json" if stale == "not json" else json.dumps(old))
    with Sandbox(tmp_path, seed=None) as fresh:
        on_disk = json.loads((tmp_path / "sandbox.json").read_text())
        assert on_disk["port"] == fresh.info["port"] != sb.info["port"]
        assert healthy(on_disk)
    assert not (tmp_path / "sandbox.json").exists()


def test_a_killed_sandbox_leaves_a_directory_the_next_one_can_use(example_world: ExampleWorld, tmp_path: Path) -> None:
    state = tmp_path / "state"
    env = scrubbed_environ()
    with sandbox_process(state, example_world.seed, env) as info:
        os.kill(int(str(info["pid"])), signal.SIGKILL)  # no cleanup: sandbox.json stays behind
    # (no TLS probe of the dying server: Python's ssl leaks the socket of a handshake cut by a reset)
    assert json.loads((state / "sandbox.json").read_text())["pid"] == info["pid"]
    with sandbox_process(state, example_world.seed, env) as again:
        assert again["pid"] != info["pid"] and healthy(again)


def test_sandbox_json_is_private_whatever_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        with Sandbox(tmp_path, seed=None):
            mode = stat.S_IMODE((tmp_path / "sandbox.json").stat().st_mode)
    finally:
        os.umask(previous)
    assert mode == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []


def test_sandbox_json_of_the_cli_is_private(serving: tuple[Path, dict[str, object]]) -> None:
    state, info = serving
    assert stat.S_IMODE((state / "sandbox.json").stat().st_mode) == 0o600
    assert info["seed"] and Path(str(info["seed"])).is_absolute()


def test_waiting_for_a_child_ignores_a_stale_sandbox_json(example_world: ExampleWorld, tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    stale = {"pid": dead_pid(), "port": 9, "authority_host": "https://127.0.0.1:9"}
    (state / "sandbox.json").write_text(json.dumps(stale))
    with sandbox_process(state, example_world.seed, scrubbed_environ()) as info:
        assert info["pid"] != stale["pid"] and healthy(info)
