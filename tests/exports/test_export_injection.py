"""Hostile values through every export format, read back by the real consumers present on this machine
(bash, dash, sh, zsh, ksh, fish; pwsh when installed; python-dotenv; JSON; GitHub's and Azure Pipelines'
documented parsers; GitLab's dotenv reading) byte for byte, or refused naming the variable only."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from clirunner import run_cli
from dotenv import dotenv_values
from githubenv import parse_env_file, unescape_command_data
from hostile import DUMP, one_profile, sourced
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from entra_profiles.exports import FORMATS, azure_pipelines, fish, gitlab
from entra_profiles.exports.base import ExportError, FormatOptions, Variable

TABLE = [
    "it's", '"double"', "'\"'\"'", "line1\nline2", "\nINJ=pwned\n", "x'\nINJ=pwned\n'", "cr\ronly", "crlf\r\n",
    "$(id) `id`", "${HOME} ${X:-y}", "$${", "back\\slash", "a\\\\b", "trailing\\", "::error::gh",
    "##vso[task.setvariable variable=INJ]x",
    "%0A%25%0D%AZP25", "\u202eRTL\u202c \u2067isolate\u2069", "# not a comment", "a=b # c", " spaced value ",
    "\ttabs\t", "x" * 20000, "non-BMP \U0001f600 \U00010348", "\u2028line sep\u2029", "ghadelimiter_0", "EOF", "",
]  # fmt: skip
SHELLS = ["bash", "dash", "sh", "zsh", "ksh"]


def variables(values: list[str]) -> list[Variable]:
    return [Variable(f"V{i}", v, secret=True) for i, v in enumerate(values)]


def expected(values: list[str]) -> dict[str, str]:
    return {f"V{i}": v for i, v in enumerate(values)}


def options(tmp_path: Path) -> FormatOptions:
    return FormatOptions("p", github_file=str(tmp_path / "github_env"), allow_secrets=True)


def render(fmt: str, values: list[str], tmp_path: Path) -> tuple[dict[str, str], list[str]]:
    """What the format's reader makes of each value it carries, and the variables it refuses (each alone)."""
    kept: list[str] = []
    refused: list[str] = []
    for i, value in enumerate(values):
        try:
            FORMATS[fmt](variables([value]), options(tmp_path))
            kept.append(value)
        except ExportError as exc:
            assert exc.message.startswith("V0: "), exc.message
            assert len(value) < 4 or value not in exc.format()
            refused.append(f"V{i}")
    names = {f"V{values.index(v)}": v for v in kept}
    out = FORMATS[fmt]([Variable(n, v, secret=True) for n, v in names.items()], options(tmp_path))
    return READERS[fmt](out.stdout, out.append, tmp_path), refused


def shell_reader(shell: str, how: str = ".") -> Callable[[str, str, Path], dict[str, str]]:
    def read(text: str, _append: str, tmp_path: Path) -> dict[str, str]:
        return sourced(tmp_path / f"vars.{shell}", text, how, shell)

    return read


def fish_read(text: str, _append: str, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "vars.fish"
    path.write_bytes(text.encode())
    proc = subprocess.run(
        ["fish", "--no-config", "-c", "source $argv[1]; and exec $argv[2] -c $argv[3]", str(path), sys.executable,
         DUMP],
        capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "HOME": str(tmp_path)},
        check=True,
    )  # fmt: skip
    data: dict[str, str] = json.loads(proc.stdout)
    return data


def pwsh_read(text: str, _append: str, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "vars.ps1"
    path.write_bytes(text.encode())
    script = f". '{path}'; & '{sys.executable}' -c \"{DUMP}\""
    proc = subprocess.run(["pwsh", "-NoProfile", "-Command", script], capture_output=True, text=True, check=True)
    data: dict[str, str] = json.loads(proc.stdout)
    return data


def dotenv_read(text: str, _append: str, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "vars.env"
    path.write_text(text, encoding="utf-8", newline="")
    return {k: v or "" for k, v in dotenv_values(path).items()}


def github_read(text: str, append: str, tmp_path: Path) -> dict[str, str]:
    for line in re.split(r"\r\n|\r|\n", text.removesuffix("\n")):  # masks only, one command a line (as .NET reads)
        assert line == "" == text or line.startswith("::add-mask::")
    return parse_env_file(append)


READERS: dict[str, Callable[[str, str, Path], dict[str, str]]] = {
    "sh": shell_reader("sh"),
    "dotenv": dotenv_read,
    "fish": fish_read,
    "powershell": pwsh_read,
    "json": lambda text, _a, _p: dict(json.loads(text)),
    "github": github_read,
    "azure-pipelines": lambda text, _a, _p: {k: v for k, (v, _s) in azure_pipelines.parse(text).items()},
    "gitlab": lambda text, _a, _p: gitlab.parse(text),
}
PROGRAMS = {"fish": "fish", "powershell": "pwsh"}
# What each format may refuse (a dialect that cannot carry it); everything else must round-trip.
MAY_REFUSE = {"dotenv", "gitlab"}


@pytest.mark.parametrize("fmt", list(READERS))
def test_every_format_carries_each_value_exactly_or_refuses_it(fmt: str, tmp_path: Path) -> None:
    if fmt in PROGRAMS and shutil.which(PROGRAMS[fmt]) is None:
        pytest.skip(f"{PROGRAMS[fmt]} is not installed")
    got, refused = render(fmt, TABLE, tmp_path)
    assert got == {k: v for k, v in expected(TABLE).items() if k not in refused}
    if fmt not in MAY_REFUSE:
        assert refused == []


@pytest.mark.parametrize("shell", SHELLS)
def test_sh_reads_back_in_every_posix_shell_present(shell: str, tmp_path: Path) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    text = FORMATS["sh"](variables(TABLE), options(tmp_path)).stdout
    assert shell_reader(shell)(text, "", tmp_path) == expected(TABLE)


def test_fish_quotes_read_back_in_process_where_fish_is_missing() -> None:
    assert [fish.parse_word(fish.quote(v)) for v in TABLE] == TABLE


def test_azure_pipelines_data_is_unescaped_as_the_agent_does() -> None:
    assert [azure_pipelines.unescape_data(azure_pipelines.escape_data(v)) for v in TABLE] == TABLE
    assert [unescape_command_data(v.replace("%", "%25")) for v in TABLE] == TABLE


def test_nul_and_non_utf8_bytes_are_refused_by_name_through_the_cli(tmp_path: Path) -> None:
    path = one_profile(tmp_path, '{type: client_secret, secret: "${file:secret.bin}"}')
    (tmp_path / "secret.bin").write_bytes(b"abc\x00def\n")
    for fmt in ("sh", "json", "github"):
        r = run_cli("-f", str(path), "export", "app", "--format", fmt, env={"GITHUB_ENV": str(tmp_path / "gh")})
        assert (r.code, r.out) == (1, "")
        assert r.err == (
            "error: AZURE_CLIENT_SECRET: the value holds a NUL character, which no environment can carry\n"
        )


ANY_TEXT = st.text(st.characters(exclude_characters="\0", exclude_categories=["Cs"]), max_size=30)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(ANY_TEXT, min_size=1, max_size=4))
def test_any_values_through_every_format(tmp_path: Path, values: list[str]) -> None:
    for fmt in ("sh", "dotenv", "json", "github", "azure-pipelines", "gitlab"):
        got, refused = render(fmt, values, tmp_path)
        want = {k: v for k, v in expected(values).items() if k not in refused}
        assert got == {k: v for k, v in want.items() if values.index(v) == int(k[1:])}, fmt
        if fmt not in MAY_REFUSE:
            assert refused == []
