"""One error style everywhere (issue #13 item 10): `error: …` then `  hint: …`, click's usage errors
included — did-you-mean where click offers it, the command's --help to see, never click's usage block."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from clirunner import run_cli
from testenv import REPO_DIR, scrubbed_environ

EXAMPLE = REPO_DIR / "profiles.example.yaml"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["run", "--foo"],
            "error: no such option: --foo\n  hint: did you mean --format? see 'entra-profiles run --help'\n",
        ),
        (
            ["run", "--concurency", "3"],
            "error: no such option: --concurency\n"
            "  hint: did you mean --concurrency? see 'entra-profiles run --help'\n",
        ),
        (["--nope", "list"], "error: no such option: --nope\n  hint: see 'entra-profiles --help'\n"),
        (["rn"], "error: no such command: rn\n  hint: did you mean run? see 'entra-profiles --help'\n"),
        (
            ["sandbox", "srve"],
            "error: no such command: srve\n  hint: did you mean serve? see 'entra-profiles sandbox --help'\n",
        ),
        (["resolve"], "error: missing argument 'PROFILE'\n  hint: see 'entra-profiles resolve --help'\n"),
        (
            ["sandbox", "serve"],
            "error: missing option '--state-dir'\n  hint: see 'entra-profiles sandbox serve --help'\n",
        ),
        (
            ["run", "--format", "xml"],
            "error: invalid value for '--format': 'xml' is not one of 'text', 'json', 'yaml'\n"
            "  hint: see 'entra-profiles run --help'\n",
        ),
        (
            ["list", "a", "b", "--concurrency", "2"],
            "error: no such option: --concurrency\n  hint: see 'entra-profiles list --help'\n",
        ),
        (
            ["resolve", "contoso-*"],
            "error: 'contoso-*' selects 9 profiles; resolve shows one\n"
            "  hint: name one of them: contoso-secret, contoso-cert-file, contoso-cert-pfx, "
            "contoso-cert-thumbprint, contoso-cert-subject, …\n",
        ),
    ],
)
def test_usage_errors_speak_the_tools_style(args: list[str], expected: str) -> None:
    r = run_cli("-f", str(EXAMPLE), *args)
    assert (r.code, r.out, r.err) == (2, "", expected)


def test_every_command_answers_an_unknown_option_in_two_lines() -> None:
    from entra_profiles.cli import COMMANDS

    for command in [*COMMANDS, "sandbox serve", "sandbox wait"]:
        r = run_cli(*command.split(), "--qqqqqqq")
        assert r.code == 2, command
        assert r.err == f"error: no such option: --qqqqqqq\n  hint: see 'entra-profiles {command} --help'\n"


def test_the_sandbox_module_entry_speaks_it_too(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "entra_profiles.sandbox", "serve", "--state-dir", str(tmp_path), "--bogus"],
        env=scrubbed_environ(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (proc.returncode, proc.stderr) == (
        2,
        "error: no such option: --bogus\n"
        "  hint: did you mean --host? see 'python -m entra_profiles.sandbox serve --help'\n",
    )


@pytest.mark.parametrize(
    ("args", "usage"),
    [((), "Usage: entra-profiles [OPTIONS] COMMAND [ARGS]..."), (("sandbox",), "Usage: entra-profiles sandbox")],
)
def test_no_command_is_a_request_for_help(args: tuple[str, ...], usage: str) -> None:
    """As gh does: the help on standard output (so `entra-profiles | less` pages it), exit 0."""
    r = run_cli(*args)
    assert (r.code, r.err) == (0, "")
    assert r.out.startswith(usage) and "Commands:" in r.out
    assert r.out == run_cli(*args, "--help").out


def test_python_m_sandbox_without_a_command_shows_its_help() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "entra_profiles.sandbox"],
        env=scrubbed_environ(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.startswith("Usage: python -m entra_profiles.sandbox [OPTIONS] COMMAND [ARGS]...")
