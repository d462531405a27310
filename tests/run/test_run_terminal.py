"""`run` as a person at a terminal meets it (issue #13 items 8, 9, 12): Ctrl-C keeps what finished, tables
fit the terminal, status words are coloured there and nowhere else, a progress bar on stderr."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ptysupport import run_on_terminal
from runsupport import AUTOMATION

from entra_profiles.sandbox import Sandbox

FABRIKAM_APP = "6d7e8f90-a1b2-4c3d-9e4f-5a6b7c8d9e0f"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
CLEAR = "\r\x1b[K"
PROFILES = f"""version: 1
profiles:
  slow:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    credential: {{type: client_secret, secret: sandbox-secret-contoso-1}}
  fast:
    tenant: fabrikam.onmicrosoft.com
    client_id: {FABRIKAM_APP}
    credential: {{type: client_secret, secret: sandbox-secret-fabrikam-1}}
  refused:
    tenant: fabrikam.onmicrosoft.com
    client_id: {FABRIKAM_APP}
    credential: {{type: client_secret, secret: not-the-secret}}
"""


@pytest.fixture
def profiles(tmp_path: Path) -> Path:
    path = tmp_path / "profiles.yaml"
    path.write_text(PROFILES)
    return path


@pytest.fixture
def slow_contoso(box: Sandbox) -> Iterator[None]:
    """The sandbox keeps the `slow` profile's token request waiting a minute; the others answer at once."""
    box.set_faults({"rules": [{"endpoint": "token", "client_id": AUTOMATION, "action": "latency", "delay_ms": 60000}]})
    yield
    box.set_faults({"rules": []})


def two_finished(stderr: str) -> bool:
    """The progress bar says two of the three have finished: the third is the slow one."""
    return "2/3" in stderr


def test_ctrl_c_reports_the_finished_profiles_and_marks_the_rest_interrupted_in_json(
    box: Sandbox, profiles: Path, slow_contoso: None
) -> None:
    r = run_on_terminal(
        "-f", str(profiles), "run", "--sandbox", str(box.state_dir), "--format", "json",
        stdout_tty=False, interrupt_when=two_finished,
    )  # fmt: skip
    assert r.code == 130
    document = json.loads(r.out)
    assert [(p["name"], p["status"]) for p in document["profiles"]] == [
        ("slow", "interrupted"),
        ("fast", "ok"),
        ("refused", "failed"),
    ]
    slow = document["profiles"][0]
    assert (slow["context"], slow["error"], slow["warnings"]) == (None, None, [])
    assert document["profiles"][1]["context"]["TenantId"]
    assert document["profiles"][2]["error"]["code"] == "AADSTS7000215"
    assert document["summary"] == {"ok": 1, "warn": 0, "failed": 1, "interrupted": 1, "total": 3}
    # The progress bar was drawn, then cleared before the one word that says why we stopped.
    assert r.err.endswith(CLEAR + "interrupted\n"), repr(r.err[-200:])
    assert "2/3" in r.err


def test_ctrl_c_on_a_terminal_shows_a_coloured_table_and_exits_130(
    box: Sandbox, profiles: Path, slow_contoso: None
) -> None:
    r = run_on_terminal("-f", str(profiles), "run", "--sandbox", str(box.state_dir), interrupt_when=two_finished)
    assert r.code == 130
    assert r.err.endswith(CLEAR + "interrupted\n")
    plain = ANSI.sub("", r.out)
    rows = {line.split()[0]: line.split()[1] for line in plain.splitlines()[1:4]}
    assert rows == {"slow": "interrupted", "fast": "ok", "refused": "FAILED"}
    assert plain.splitlines()[-1] == "1 ok, 1 failed, 1 interrupted, 3 total"
    assert "Failures:\nrefused: AADSTS7000215: invalid client secret" in plain
    assert "slow:" not in plain.split("Failures:")[1]  # interrupted is not a failure
    assert "\x1b[35minterrupted\x1b[0m" in r.out and "\x1b[32mok\x1b[0m" in r.out
    assert "\x1b[31m\x1b[1mFAILED\x1b[0m" in r.out


def test_a_single_profile_interrupted_says_so(box: Sandbox, profiles: Path, slow_contoso: None) -> None:
    before = len(box.request_log())
    seen: list[float] = []

    def token_on_its_way(_: str) -> bool:
        """Discovery answered, and a moment for the (slow) token request to leave."""
        if not seen and any(rec.get("kind") == "discovery" for rec in box.request_log()[before:]):
            seen.append(time.monotonic())
        return bool(seen) and time.monotonic() - seen[0] > 0.5

    r = run_on_terminal(
        "-f", str(profiles), "run", "slow", "--sandbox", str(box.state_dir),
        stdout_tty=False, stderr_tty=False, interrupt_when=token_on_its_way,
    )  # fmt: skip
    assert (r.code, r.out, r.err) == (130, "slow: interrupted before it finished\n", "interrupted\n")


@pytest.mark.parametrize(
    ("env", "args", "coloured"),
    [
        ({}, [], True),
        ({"NO_COLOR": "1"}, [], False),
        ({"NO_COLOR": ""}, [], True),  # NO_COLOR counts only when it is not empty
        ({}, ["--no-color"], False),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, [], False),
        ({"TERM": "dumb"}, [], False),
    ],
)
def test_colour_on_a_terminal_unless_refused(
    box: Sandbox, profiles: Path, env: dict[str, str], args: list[str], coloured: bool
) -> None:
    r = run_on_terminal(*args, "-f", str(profiles), "run", "fast", "refused", "--sandbox", str(box.state_dir), env=env)
    assert r.code == 1
    assert ("\x1b[" in r.out) is coloured, r.out
    assert ANSI.sub("", r.out).splitlines()[-1] == "1 ok, 1 failed, 2 total"


def test_no_colour_off_a_terminal_unless_forced(box: Sandbox, profiles: Path) -> None:
    args = ["-f", str(profiles), "run", "fast", "refused", "--sandbox", str(box.state_dir)]
    piped = run_on_terminal(*args, stdout_tty=False, stderr_tty=False)
    assert piped.code == 1 and "\x1b" not in piped.out + piped.err
    forced = run_on_terminal(*args, stdout_tty=False, stderr_tty=False, env={"FORCE_COLOR": "1"})
    assert "\x1b[32mok\x1b[0m" in forced.out
    assert ANSI.sub("", forced.out).splitlines()[-1] == piped.out.splitlines()[-1] == "1 ok, 1 failed, 2 total"
    structured = run_on_terminal(*args, "--format", "json", env={"FORCE_COLOR": "1"})
    assert "\x1b" not in structured.out


def test_the_table_fits_80_columns_and_colour_is_not_counted(box: Sandbox, profiles: Path) -> None:
    args = ["-f", str(profiles), "run", "fast", "refused", "--sandbox", str(box.state_dir)]
    r = run_on_terminal(*args, env={"COLUMNS": "80"}, columns=200)  # COLUMNS wins over the terminal's size
    lines = ANSI.sub("", r.out).split("\n\n")[0].splitlines()
    assert max(len(line) for line in lines) <= 80
    header = lines[0]
    for column in ("STATUS", "TENANT", "CREDENTIAL", "ROLES", "EXPIRES", "TIME"):
        start = header.index(column)
        assert all(line[start - 2 : start] == "  " and line[start] != " " for line in lines[1:2]), column
    assert "…" in lines[1]  # the tenant's GUID, shortened in the middle
    wide = run_on_terminal(*args, stdout_tty=False, env={"COLUMNS": "80"})  # a pipe gets full lines
    assert max(len(line) for line in wide.out.splitlines()) > 80 and "…" not in wide.out


def test_progress_bar_counts_rate_and_eta_and_is_cleared(box: Sandbox, profiles: Path) -> None:
    r = run_on_terminal("-f", str(profiles), "run", "fast", "refused", "--sandbox", str(box.state_dir))
    assert r.code == 1
    frames = [f for f in r.err.split(CLEAR) if f]
    assert frames[0].startswith("[░") and frames[0].endswith("]  0/2")
    assert re.fullmatch(r"\[█+░*\]  [12]/2(  1 failed)?  \d+\.\d/s  ETA (\d+m)?\d+s", frames[1]), frames
    assert re.fullmatch(r"\[█+\]  2/2  1 failed  \d+\.\d/s  ETA 0s", frames[-1]), frames
    assert r.err.endswith(CLEAR)  # nothing left on the line when the report comes
    assert "2/2" not in r.out
