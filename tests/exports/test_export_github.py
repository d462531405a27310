"""The GitHub format against a parser of GitHub's documented file format: no injection, masks first."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from githubenv import parse_env_file, unescape_command_data
from hostile import HOSTILE, hostile_variables

from entra_profiles.errors import UsageError
from entra_profiles.exports import github
from entra_profiles.exports.base import FormatOptions, Output, Variable


def render(variables: list[Variable], env_file: Path, outputs: bool = False) -> Output:
    return github.render(variables, FormatOptions("p", github_file=str(env_file), outputs=outputs))


def test_hostile_values_cannot_inject_a_variable(tmp_path: Path) -> None:
    result = render(hostile_variables(), tmp_path / "env")
    assert result.append_to == tmp_path / "env"
    assert parse_env_file(result.append) == {f"V{i}": v for i, v in enumerate(HOSTILE)}


def test_predictable_delimiters_would_have_been_injectable() -> None:
    # The reason for random delimiters: with `EOF`, this value defines INJECTED.
    value = "EOF\nINJECTED<<EOF\nx"
    assert parse_env_file(f"V<<EOF\n{value}\nEOF\n") == {"V": "", "INJECTED": "x"}
    assert set(parse_env_file(github.block(Variable("V", value)))) == {"V"}


def test_delimiters_are_random_and_never_a_line_of_the_value(tmp_path: Path) -> None:
    first = render([Variable("A", "x")], tmp_path / "env").append
    second = render([Variable("A", "x")], tmp_path / "env").append
    pattern = re.compile(r"^A<<(ghadelimiter_[0-9a-f]{32})\nx\n\1\n$")
    assert pattern.match(first) and pattern.match(second) and first != second


def test_every_line_of_every_secret_is_masked_and_only_masks_are_printed(tmp_path: Path) -> None:
    variables = [*hostile_variables(), Variable("AZURE_CLIENT_ID", "public-id")]
    out = render(variables, tmp_path / "env").stdout
    lines = out.splitlines()
    assert all(line.startswith("::add-mask::") for line in lines)
    masked = {unescape_command_data(line.removeprefix("::add-mask::")) for line in lines}
    for value in HOSTILE:
        for part in re.split(r"\r\n|\r|\n", value):
            assert not part.strip() or part in masked, part
    assert "public-id" not in masked
    assert "::add-mask::%250A%2525%25AZP25;]\n" in out  # `%` escaped, so the mask is the value itself


def test_outputs_go_to_github_output(tmp_path: Path) -> None:
    assert render([Variable("A", "x")], tmp_path / "out", outputs=True).append_to == tmp_path / "out"


def test_outside_github_actions_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as caught:
        github.render([Variable("A", "x")], FormatOptions("p"))
    assert caught.value.format() == (
        "$GITHUB_ENV is not set: --format github runs inside a GitHub Actions step\n"
        "  hint: elsewhere, use --format sh or dotenv"
    )
