"""Tables fit the terminal, full lines anywhere else; colour only where a person reads (issue #13 items
9, 12), through a pseudo-terminal as a person's shell gives one."""

from __future__ import annotations

import re

from clirunner import run_cli
from ptysupport import run_on_terminal
from testenv import REPO_DIR

EXAMPLE = str(REPO_DIR / "profiles.example.yaml")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
RESOLVE = ["-f", EXAMPLE, "resolve", "contoso-cert-pfx", "--offline"]
SECRET_SOURCE = "keyvault:https://contoso-ops.vault.azure.net/secrets/automation-pfx-password (not read: --offline)"


def widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


def test_resolve_fits_80_columns_on_a_terminal_and_shows_full_lines_elsewhere() -> None:
    full = run_cli(*RESOLVE, env={"COLUMNS": "80"})  # a pipe: COLUMNS changes nothing
    assert full.code == 0 and widest(full.out) > 200 and SECRET_SOURCE in full.out and "…" not in full.out
    fitted = run_on_terminal(*RESOLVE, env={"COLUMNS": "80"}, columns=200)
    assert fitted.code == 0 and widest(fitted.out) <= 80, fitted.out
    lines = fitted.out.splitlines()
    assert lines[0].split() == ["FIELD", "VALUE", "SOURCE", "WRITTEN", "AT"]
    password = next(line for line in lines if line.startswith("credential.password"))
    source = password.split()[2]
    assert source.startswith("keyvault:") and source.endswith("offline)") and "…" in source  # its ends kept
    assert password.rstrip().endswith(":58:17")  # the line and column of WRITTEN AT are kept too
    verbose = run_on_terminal(*RESOLVE, "-v", env={"COLUMNS": "80"})
    assert verbose.out == full.out  # -v: every value whole, however narrow the terminal


def test_the_terminals_own_width_when_columns_is_not_set() -> None:
    r = run_on_terminal(*RESOLVE, columns=100)
    assert 90 < widest(r.out) <= 100


def test_list_fits_and_shortens_the_long_columns_first() -> None:
    r = run_on_terminal("-f", EXAMPLE, "list", columns=80)
    assert r.code == 0 and widest(r.out) <= 80
    names = [line.split()[0] for line in r.out.splitlines()[1:]]
    assert "contoso-keyvault-cert" in names and "fabrikam-reporting" in names  # names whole while others give


def test_errors_are_coloured_on_a_terminal_only() -> None:
    r = run_on_terminal("-f", EXAMPLE, "list", "zzz-*")
    assert r.code == 2
    assert r.err.startswith("\x1b[31m\x1b[1merror:\x1b[0m 'zzz-*' matches no profile\n  \x1b[36mhint:\x1b[0m ")
    plain = run_on_terminal("-f", EXAMPLE, "list", "zzz-*", env={"NO_COLOR": "1"})
    assert plain.err == ANSI.sub("", r.err) and "\x1b" not in plain.err
    flag = run_on_terminal("-f", EXAMPLE, "list", "zzz-*", "--no-color")  # global, also after the command
    assert flag.err == plain.err
    piped = run_cli("-f", EXAMPLE, "list", "zzz-*")
    assert piped.err == plain.err
    assert run_cli("schema", "--no-color").code == 0  # every command takes it, whatever its own options
