"""`run` ends its process as soon as its report is written: no interpreter teardown, but every exit
handler still runs and every byte is flushed; and the collector settings a batch uses are undone after it."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from testenv import scrubbed_environ

from entra_profiles.run.heap import BATCH_THRESHOLD, quiet_collector

TENANT = "00000000-0000-4000-8000-00000000000a"
MAIN_WITH_HANDLER = """\
import atexit, sys
marker = sys.argv[1]
atexit.register(lambda: open(marker, "w").write("handler ran"))
from entra_profiles.cli import main
sys.argv = ["entra-profiles", *sys.argv[2:]]
main()
"""


def main_with_handler(marker: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI's main() as its entry point runs it, in a process with an exit handler that writes `marker`."""
    command = [sys.executable, "-c", MAIN_WITH_HANDLER, str(marker), *args]
    return subprocess.run(command, env=scrubbed_environ(), capture_output=True, text=True, timeout=120)


def test_a_run_ends_with_its_report_flushed_its_exit_handlers_run_and_its_exit_code(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    profiles = tmp_path / "profiles.yaml"
    lines = ["version: 1", "profiles:"]
    for i in range(300):  # more than one pipe buffer of report; each fails at once, without a request
        lines += [f"  app-{i:03d}:", f"    tenant: {TENANT}", f"    client_id: {i:08d}-0000-4000-8000-000000000000"]
        lines += ["    credential: {type: workload_identity, github: true}"]
    profiles.write_text("\n".join(lines) + "\n")
    done = main_with_handler(marker, "-f", str(profiles), "run", "all", "--format", "json")
    assert done.returncode == 1, done.stderr  # the profiles failed
    report = json.loads(done.stdout)
    assert [p["name"] for p in report["profiles"]] == [f"app-{i:03d}" for i in range(300)]
    assert {p["error"]["code"] for p in report["profiles"]} == {"unavailable"}
    assert marker.read_text() == "handler ran"


def test_the_collector_is_quieter_during_a_batch_and_restored_after_it() -> None:
    before = gc.get_threshold()
    with quiet_collector():
        assert gc.get_threshold()[0] == max(before[0], BATCH_THRESHOLD)
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


ENTRY_SEES = """\
import gc
from entra_profiles import cli, entry
cli.main = lambda **given: print(gc.isenabled(), given)
entry.main()
"""


def test_the_entry_pauses_the_collector_before_anything_is_imported() -> None:
    done = subprocess.run(
        [sys.executable, "-c", ENTRY_SEES], env=scrubbed_environ(), capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "False {'collector_paused': True}", done.stderr


def test_the_command_runs_with_the_collector_resumed_and_the_start_up_frozen(monkeypatch: Any) -> None:
    from entra_profiles import cli
    from entra_profiles.commands import schema

    seen: list[tuple[bool, int]] = []
    monkeypatch.setattr(schema.schema, "callback", lambda **_: seen.append((gc.isenabled(), gc.get_freeze_count())))
    gc.disable()
    try:
        with pytest.raises(SystemExit):
            cli.main(["schema"], collector_paused=True)
        assert seen and seen[0][0] and seen[0][1] > 0  # resumed, what the start-up made frozen
        gc.unfreeze()
        gc.disable()
        with pytest.raises(SystemExit):
            cli.main(["schema"])  # a caller's own settings are left alone
        assert seen[1] == (False, 0)
    finally:
        gc.unfreeze()
        gc.enable()
