"""Table-driven: each broken file gives exactly these problems, at these positions."""

from __future__ import annotations

from pathlib import Path

import pytest
from cases_broken import CASES

from entra_profiles.config.loader import load_profiles
from entra_profiles.errors import ConfigError


def problems_of(path: Path) -> list[str]:
    try:
        ps = load_profiles(path, environ={})
    except ConfigError as exc:
        problems = exc.problems
    else:
        problems = ps.problems
    return [p.format().split("\n  hint:")[0] for p in problems]


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_broken_file(tmp_path: Path, name: str, text: str, expected: list[str]) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text(text, encoding="utf-8")
    want = [f"{path}:{e.replace('{dir}', str(tmp_path))}" for e in expected]
    got = problems_of(path)
    assert [g.split(": ", 1)[0] + ": " + g.split(": ", 1)[1] for g in got][: len(want)] == want
    assert len(got) == len(want), got


def test_at_least_25_cases() -> None:
    assert len(CASES) >= 25
