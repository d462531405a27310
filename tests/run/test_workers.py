"""`run --workers N`: a batch spread over worker processes reports exactly what one process reports, in
selection order; a worker that dies or hangs costs only its own unfinished profiles, named; Ctrl-C
reaches the workers, and the progress bar counts what they finish.

The selection is split by tenant (run/partition.py): with two workers, the tenants written as the GUIDs
of Contoso and Fabrikam fall in the part the parent runs, the same tenants written as their domains in
the part a worker process runs (checked first, so that each test really spans two processes)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from clirunner import start_cli
from ptysupport import run_on_terminal
from runsupport import AUTOMATION, CONTOSO, FABRIKAM, FABRIKAM_APP, GRACE_S, RunProfiles, by_name

from entra_profiles.run.partition import part_of
from entra_profiles.sandbox import Sandbox

HERE = (CONTOSO, FABRIKAM)  # run by the parent
THERE = ("contoso.onmicrosoft.com", "fabrikam.onmicrosoft.com")  # run by the worker process
SECRETS = {"contoso": "sandbox-secret-contoso-1", "fabrikam": "sandbox-secret-fabrikam-1"}


def profile(name: str, tenant: str, secret: str | None = None) -> str:
    org = "contoso" if tenant in (CONTOSO, THERE[0]) else "fabrikam"
    app = AUTOMATION if org == "contoso" else FABRIKAM_APP
    return f"""  {name}:
    tenant: {tenant}
    client_id: {app}
    credential: {{type: client_secret, secret: {secret or SECRETS[org]}}}
"""


def test_the_tenants_fall_in_both_parts() -> None:
    assert [part_of(t, 2) for t in HERE] == [0, 0]
    assert [part_of(t, 2) for t in THERE] == [1, 1]


def comparable(document: dict[str, Any]) -> list[tuple[Any, ...]]:
    rows = []
    for p in document["profiles"]:
        context = {k: v for k, v in (p["context"] or {}).items() if k != "TokenExpiresOn"}
        rows.append((p["name"], p["status"], context, p["warnings"], p["error"]))
    return rows


def test_two_workers_report_what_one_process_reports_in_selection_order(run_profiles: RunProfiles) -> None:
    profiles = (
        profile("a", HERE[0])
        + profile("b", THERE[0])
        + profile("c", HERE[1])
        + profile("d", THERE[1])
        + profile("refused", THERE[1], "not-the-secret")
        + profile("e", HERE[0])
    )
    one = run_profiles(profiles, "--format", "json", "--workers", "1")
    two = run_profiles(profiles, "--format", "json", "--workers", "2")
    assert (one.code, two.code) == (1, 1), two.err
    assert [p["name"] for p in json.loads(two.out)["profiles"]] == ["a", "b", "c", "d", "refused", "e"]
    assert comparable(json.loads(two.out)) == comparable(json.loads(one.out))
    assert by_name(two)["refused"]["error"]["code"] == "AADSTS7000215"
    summary = json.loads(two.out)["summary"]
    assert summary == json.loads(one.out)["summary"]
    assert (summary["ok"], summary["failed"], summary["total"]) == (5, 1, 6)


def workers_of(pid: int) -> list[int]:
    """The worker processes `pid` started."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_bytes()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        if ppid == pid and b"entra_profiles.run.workers" in cmdline:
            found.append(int(entry))
    return found


@pytest.fixture
def contoso_token_waits(box: Sandbox) -> Iterator[None]:
    """Contoso's token requests wait a minute; Fabrikam's answer at once."""
    box.set_faults({"rules": [{"endpoint": "token", "client_id": AUTOMATION, "action": "latency", "delay_ms": 60000}]})
    yield
    box.set_faults(None)


def start(box: Sandbox, tmp_path: Path, profiles: str, *args: str) -> subprocess.Popen[str]:
    path = tmp_path / "profiles.yaml"
    path.write_text("version: 1\nprofiles:\n" + profiles)
    return start_cli("-f", str(path), "run", "--sandbox", str(box.state_dir), "--format", "json", *args)


def wait_for(check: Any, what: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.05)
    return found


def test_a_worker_that_dies_fails_its_unfinished_profiles_and_no_other(
    box: Sandbox, tmp_path: Path, contoso_token_waits: None
) -> None:
    profiles = profile("here", HERE[1]) + profile("there", THERE[0]) + profile("here-too", HERE[1])
    cli = start(box, tmp_path, profiles, "--workers", "2", "--timeout", "60")
    try:
        (worker,) = wait_for(lambda: workers_of(cli.pid), "a worker process")
        os.kill(worker, signal.SIGKILL)
        out, err = cli.communicate(timeout=60)
    finally:
        if cli.poll() is None:
            cli.kill()
    assert cli.returncode == 1, err
    got = {p["name"]: p for p in json.loads(out)["profiles"]}
    assert (got["here"]["status"], got["here-too"]["status"]) == ("ok", "ok")
    assert got["there"]["error"] == {
        "code": "worker",
        "message": "the worker process running there ended (signal 9) before it finished",
        "hint": "run again; with --workers 1 the batch runs in one process",
    }


def test_a_hung_worker_is_given_up_at_its_deadline(box: Sandbox, tmp_path: Path, contoso_token_waits: None) -> None:
    profiles = profile("here", HERE[1]) + profile("there", THERE[0])
    before = len(box.request_log())
    began = time.monotonic()
    cli = start(box, tmp_path, profiles, "--workers", "2", "--timeout", "2")
    try:
        (worker,) = wait_for(lambda: workers_of(cli.pid), "a worker process")
        # the worker is connecting (its profile asked for its tenant's discovery): it started
        wait_for(lambda: any("contoso.onmicrosoft.com" in r["path"] for r in box.request_log()[before:]), "discovery")
        os.kill(worker, signal.SIGSTOP)
        out, err = cli.communicate(timeout=120)
    finally:
        if cli.poll() is None:
            cli.kill()
    elapsed = time.monotonic() - began
    assert cli.returncode == 1, err
    got = {p["name"]: p for p in json.loads(out)["profiles"]}
    assert got["here"]["status"] == "ok"
    assert got["there"]["error"]["code"] == "timeout"
    assert got["there"]["error"]["message"] == "gave up after 2 s"
    assert elapsed < (2 + 5) * 2 + GRACE_S  # its part's deadline: (--timeout + the runner's grace) x waves
    assert not workers_of(cli.pid)


def test_ctrl_c_reaches_the_workers_and_the_bar_counts_what_they_finish(
    box: Sandbox, tmp_path: Path, contoso_token_waits: None
) -> None:
    path = tmp_path / "profiles.yaml"
    body = (
        profile("slow-here", HERE[0])
        + profile("slow-there", THERE[0])
        + profile("fast", THERE[1])
        + profile("refused", THERE[1], "not-the-secret")
    )
    path.write_text("version: 1\nprofiles:\n" + body)
    r = run_on_terminal(
        "-f", str(path), "run", "--sandbox", str(box.state_dir), "--format", "json", "--workers", "2",
        stdout_tty=False, interrupt_when=lambda err: "2/4" in err,
    )  # fmt: skip
    assert r.code == 130, r.err
    document = json.loads(r.out)
    assert [(p["name"], p["status"]) for p in document["profiles"]] == [
        ("slow-here", "interrupted"),
        ("slow-there", "interrupted"),
        ("fast", "ok"),
        ("refused", "failed"),
    ]
    summary = document["summary"]
    assert (summary["ok"], summary["failed"], summary["interrupted"], summary["total"]) == (1, 1, 2, 4)
    assert r.err.endswith("interrupted\n")


def test_a_worker_logs_as_the_parent_does_through_the_redactor(run_profiles: RunProfiles) -> None:
    """A worker process is set up as the parent is: azure-identity's own warning of a failed sign-in (which
    quotes the server) is never printed, by the worker either; the failure is reported once, ours."""
    unknown = "0f0e0d0c-0b0a-4909-8807-060504030201"
    identity = f"""  lost:
    tenant: {THERE[0]}
    credential: {{type: managed_identity, client_id: {unknown}}}
"""
    r = run_profiles(profile("a", HERE[0]) + identity, "--format", "json", "--workers", "2")
    assert r.code == 1
    assert by_name(r)["lost"]["status"] == "failed"
    assert "WARNING" not in r.err and "get_token" not in r.err and "Traceback" not in r.err, r.err
