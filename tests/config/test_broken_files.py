"""Table-driven: each broken file gives exactly these problems, at these positions."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from cases_broken import CASES
from clirunner import validate_in_process

from entra_profiles.config.loader import load_profiles
from entra_profiles.errors import ConfigError


def problems_of(path: Path) -> list[str]:
    try:
        ps = load_profiles(path, environ={})
    except ConfigError as exc:
        problems = exc.problems
    else:
        problems = ps.problems
    return [p.format() for p in problems]


def broken_file(tmp_path: Path, text: str | bytes) -> Path:
    """The case's file, in a folder that also holds a named pipe `pipe`."""
    os.mkfifo(tmp_path / "pipe")
    path = tmp_path / "profiles.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def as_expected(got: list[str], expected: list[str]) -> list[str]:
    """Each problem as the table writes it: with its hint where the table gives one."""
    return [g if "\n  hint: " in e else g.split("\n  hint: ")[0] for g, e in zip(got, expected, strict=False)]


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_broken_file(tmp_path: Path, name: str, text: str | bytes, expected: list[str]) -> None:
    path = broken_file(tmp_path, text)
    want = [f"{path}:{e.replace('{dir}', str(tmp_path))}" for e in expected]
    got = problems_of(path)
    assert as_expected(got, want) == want
    assert len(got) == len(want), got


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_broken_file_through_the_cli(tmp_path: Path, name: str, text: str | bytes, expected: list[str]) -> None:
    """`validate` prints exactly these problems, one line each (and its hint), and exits 1."""
    path = broken_file(tmp_path, text)
    r = validate_in_process("-f", str(path))
    want = [f"{path}:{e.replace('{dir}', str(tmp_path))}" for e in expected]
    got = re.split(r"\n(?!  hint: )", r.err.rstrip("\n"))
    n = len(want)
    assert (r.code, r.out, got[-1]) == (1, "", f"{n} problem{'s' if n != 1 else ''} found"), r.err
    assert as_expected(got[:-1], want) == want
    assert len(got) == n + 1, r.err


def test_at_least_25_cases() -> None:
    assert len(CASES) >= 25


def test_values_from_references_are_named_never_shown(tmp_path: Path) -> None:
    secret = "Zx9~top-SECRET_value"
    path = tmp_path / "profiles.yaml"
    path.write_text(
        'version: 1\nkeyvault_credential: "${env:S}"\nprofiles:\n'
        '  swapped:\n    tenant: "${env:S}"\n    client_id: "${env:S}"\n    credential: ${env:S}\n'
        "  typed:\n    tenant: contoso.onmicrosoft.com\n    client_id: 0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811\n"
        '    credential: {type: "${env:S}"}\n'
        "  thumb:\n    tenant: contoso.onmicrosoft.com\n    client_id: 0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811\n"
        '    credential: {type: certificate, thumbprint: "${env:S}"}\n',
        encoding="utf-8",
    )
    problems = load_profiles(path, environ={"S": secret}).problems
    text = "\n".join(p.format() for p in problems)
    assert [p.format().split("\n")[0].split(": ", 2)[2] for p in problems] == [
        "the value of ${env:S} is not a Key Vault credential",
        "the value of ${env:S} is neither a tenant id (GUID) nor a domain name",
        "the value of ${env:S} is not a GUID (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
        "expected a mapping, got the value of ${env:S}",
        "unknown credential type the value of ${env:S}",
        "a thumbprint is 40 (SHA-1) or 64 (SHA-256) hex digits",
    ]
    assert secret not in text and "'Z'" not in text and "top" not in text


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("version: 1\nprofiles:\n  p:\n    tenant: x\n      client_id: y\n", "this line is indented more than the one"),
        ("version: 1\nprofiles:\n  p:\n    description: a: b\n", "a value containing ': ' must be quoted"),
    ],
)
def test_yaml_syntax_hints(tmp_path: Path, text: str, hint: str) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_profiles(path, environ={})
    assert caught.value.problems[0].hint is not None and caught.value.problems[0].hint.startswith(hint)
