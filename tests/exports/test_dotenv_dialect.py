"""`--format dotenv`: every value python-dotenv and the shells read back byte for byte, or refused by name.

python-dotenv is the reader that disagrees most (escapes in single quotes, `${}` expansion everywhere,
universal newlines when it reads a file), so every value class goes through it, from a file as
`load_dotenv`/`dotenv_values` read one; the carried ones go through bash and dash too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from clirunner import run_cli
from dotenv import dotenv_values
from hostile import HOSTILE, TENANT, one_profile, sourced
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from entra_profiles.exports import dotenv
from entra_profiles.exports.base import ExportError, FormatOptions, Variable

OPTIONS = FormatOptions(profile="p")
CLASSES = [
    *HOSTILE,
    "0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811",
    "/tmp/entra-profiles-x/certificate.pem",
    "https://login.microsoftonline.us",
    "Qx8Q~abc.DEF_ghi-JKL~mno",  # an Entra client secret's alphabet
    "${HOME}",
    "${",
    "$HOME",
    "a\\b",
    "a\\\\b",
    "trailing\\",
    "it's $x",
    "it's \\",
    "it's",
    'say "hi"',
    "\"both' quotes",
    "x'\nINJ=pwned\n'",
    'x"\nINJ=pwned\n"',
    "cr\ronly",
    "# hash first",
    " = spaces = ",
    "\u202eRTL override",
    "non-BMP \U0001f600 \U00010348",
    "tab\tinside",
    "::error::x ##vso[task.setvariable variable=X]y",
    "x" * 5000,
]


def read_back(tmp_path: Path, text: str) -> dict[str, str | None]:
    path = tmp_path / "vars.env"
    path.write_text(text, encoding="utf-8", newline="")
    return dict(dotenv_values(path))  # from a file, interpolation on: as load_dotenv reads it


def carried(values: list[str]) -> tuple[list[Variable], list[str]]:
    """The variables dotenv writes, and the names of the values it refuses (each alone)."""
    kept, refused = [], []
    for i, value in enumerate(values):
        variable = Variable(f"V{i}", value, secret=True)
        try:
            dotenv.quote(variable)
            kept.append(variable)
        except ExportError as exc:
            assert exc.message.startswith(f"V{i}: a dotenv file cannot carry this value exactly (it holds ")
            assert len(value) < 4 or value not in exc.message  # never the value (a short one may be a word)
            refused.append(variable.name)
    return kept, refused


def test_every_value_class_reads_back_exactly_in_python_dotenv_or_is_refused(tmp_path: Path) -> None:
    kept, refused = carried(CLASSES)
    text = dotenv.render(kept, OPTIONS).stdout
    assert read_back(tmp_path, text) == {v.name: v.value for v in kept}
    assert len(text.splitlines()) == len(kept)  # one line each: no value starts a line of its own
    by_value = {CLASSES[int(n[1:])] for n in refused}
    assert by_value >= {"x'\nINJ=pwned\n'", "cr\ronly", "trailing\\", "a\\\\b", "${HOME}", "\"both' quotes"}
    assert not by_value & {"it's", "a\\b", "$HOME", 'say "hi"', "# hash first", "\u202eRTL override"}


@pytest.mark.parametrize("shell", ["bash", "dash", "sh", "zsh", "ksh"])
def test_carried_values_read_back_in_shells(tmp_path: Path, shell: str) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    kept, _ = carried(CLASSES)
    text = dotenv.render(kept, OPTIONS).stdout
    assert sourced(tmp_path / "vars.env", text, "set -a; .", shell) == {v.name: v.value for v in kept}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(st.characters(exclude_characters="\0", exclude_categories=["Cs"]), max_size=40))
def test_any_text_reads_back_in_python_dotenv_or_is_refused(tmp_path: Path, value: str) -> None:
    kept, refused = carried([value])
    if kept:
        text = dotenv.render(kept, OPTIONS).stdout
        assert read_back(tmp_path, text) == {"V0": value}
        assert text.count("\n") == 1
    else:
        assert refused == ["V0"]


def test_values_no_format_can_carry_are_refused_by_every_format() -> None:
    for value, what in (("a\0b", "a NUL character"), ("a\udcffb", "bytes that are not UTF-8 text")):
        with pytest.raises(ExportError) as caught:
            Variable("X", value)
        assert caught.value.message.startswith(f"X: the value holds {what}")


def test_the_forms_chosen() -> None:
    def q(value: str) -> str:
        return dotenv.quote(Variable("X", value))

    assert [q("abc-1"), q(""), q("a b $x"), q("it's"), q("a\\b")] == ["abc-1", "''", "'a b $x'", '"it\'s"', "'a\\b'"]


def test_an_injecting_value_is_refused_through_the_cli_naming_only_the_variable(tmp_path: Path) -> None:
    hostile = "x'\nINJ=pwned\n'"
    path = one_profile(tmp_path, '{type: client_secret, secret: "${env:APP_SECRET}"}')
    r = run_cli("-f", str(path), "export", "app", "--format", "dotenv", env={"APP_SECRET": hostile})
    assert (r.code, r.out) == (1, "")
    assert r.err == (
        "error: AZURE_CLIENT_SECRET: a dotenv file cannot carry this value exactly (it holds a line break); "
        "nothing written\n  hint: use --format sh or json, or `entra-profiles exec`, which carry any value\n"
    )
    out = tmp_path / "app.env"
    r = run_cli("-f", str(path), "export", "app", "--format", "dotenv", "-o", str(out), env={"APP_SECRET": hostile})
    assert r.code == 1 and not out.exists()
    r = run_cli("-f", str(path), "export", "app", "--format", "dotenv", env={"APP_SECRET": "it's a secret"})
    assert r.code == 0
    assert read_back(tmp_path, r.out) == {
        "AZURE_TENANT_ID": TENANT,
        "AZURE_CLIENT_ID": "0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811",
        "AZURE_CLIENT_SECRET": "it's a secret",
    }
