"""`make demo` prints a transcript that runs when pasted (issue #13 item 1): every `$ …` line, pasted into
a fresh bash, gives what the demo showed; the demo ends saying what it made, that the sandbox stopped,
and what to try next."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from clirunner import run_cli
from testenv import REPO_DIR, scrubbed_environ

TIMES = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ|\b\d+\.\d\ds\b")
THUMBPRINT = re.compile(r"\b[0-9A-F]{40}\b")
ON_PATH = ("$ . ", "$ export PATH=")  # how the demo puts entra-profiles on PATH depends on the machine
STDERR = ("sandbox serving on ", "sandbox ready on ")
SUMMARY_START = "$ kill %1; wait   # stop the sandbox"


def shown(output: str) -> list[str]:
    """What the commands printed: no `$ …` line, no blank line, expiry times and durations blanked."""
    return [TIMES.sub("T", line) for line in output.splitlines() if line.strip() and not line.startswith("$ ")]


def test_the_demo_transcript_runs_when_pasted(tmp_path: Path) -> None:
    shutil.copy(REPO_DIR / "profiles.example.yaml", tmp_path)
    demo = subprocess.run(
        [sys.executable, "-m", "entra_profiles.demo"],
        cwd=tmp_path,
        env=scrubbed_environ(),
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr
    transcript, _, summary = demo.stdout.partition(SUMMARY_START + "\n")
    commands = [line[2:] for line in demo.stdout.splitlines() if line.startswith("$ ")]
    assert "11 ok, 0 failed, 11 total" in transcript

    pasted = subprocess.run(
        ["bash", "--noprofile", "--norc"],
        input="\n".join(commands) + "\n",
        cwd=tmp_path,
        env=scrubbed_environ(),  # a fresh shell: nothing the demo set
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert pasted.returncode == 0, pasted.stdout + pasted.stderr
    assert shown(pasted.stdout) == shown(transcript)
    assert "error" not in pasted.stderr.lower(), pasted.stderr
    assert re.search(r"^sandbox ready on https://127\.0\.0\.1:\d+ \(pid \d+\)$", pasted.stderr, re.MULTILINE)
    assert not (tmp_path / ".demo" / "sandbox" / "sandbox.json").exists()  # stopped

    assert commands[-1] == SUMMARY_START[2:]
    assert any(c.startswith("export CONTOSO_CERT_THUMBPRINT=") for c in commands)
    assert summary.splitlines()[1].startswith("Generated in .demo/")
    assert "The sandbox was stopped" in summary
    tries = [line.strip() for line in summary.splitlines() if line.startswith("  entra-profiles") or "&&" in line]
    assert len(tries) == 3, summary
    first = run_cli(*shlex.split(tries[0].split("#")[0])[1:], cwd=tmp_path)  # after "entra-profiles"
    assert first.code == 0 and "env:LAB_CERT_PATH (unset, default used)" in first.out, first.err
    assert f"{tmp_path}/.demo" not in demo.stdout  # every path in the transcript is relative

    readme = (REPO_DIR / "README.md").read_text(encoding="utf-8").split("## What `make demo` does")[1]
    shown_in_readme = readme.split("```text\n")[1].split("```")[0]
    assert comparable(shown_in_readme) == comparable(demo.stdout)


def comparable(output: str) -> list[str]:
    """The demo's standard output as the README may show it: its thumbprint, times and durations blanked,
    the line that puts the tool on PATH and the sandbox's own messages (stderr) left out."""
    lines = [line for line in output.splitlines() if not line.startswith(ON_PATH + STDERR)]
    module = shlex.join([sys.executable, "-m", "entra_profiles"])  # the demo's way when no script is installed
    return [THUMBPRINT.sub("H", TIMES.sub("T", line.replace(module, "entra-profiles"))) for line in lines]


def test_the_environment_lines_say_what_the_demo_sets() -> None:
    from entra_profiles.demo import environment

    environ = {"PATH": "/usr/bin", "AZURE_CLIENT_ID": "x", "ARM_TENANT_ID": "y", "HTTPS_PROXY": "http://proxy:3128"}
    env, lines, tool = environment(environ, {"CONTOSO_CERT_THUMBPRINT": "AB CD"})
    assert lines[0] == "unset ARM_TENANT_ID AZURE_CLIENT_ID"
    assert "AZURE_CLIENT_ID" not in env and "ARM_TENANT_ID" not in env
    assert lines[-2:] == [
        "export NO_PROXY=127.0.0.1,localhost,::1 no_proxy=127.0.0.1,localhost,::1",
        "export CONTOSO_CERT_THUMBPRINT='AB CD'",
    ]
    assert env["CONTOSO_CERT_THUMBPRINT"] == "AB CD" and env["no_proxy"] == "127.0.0.1,localhost,::1"
    assert tool == ["entra-profiles"] or tool[1:] == ["-m", "entra_profiles"]
