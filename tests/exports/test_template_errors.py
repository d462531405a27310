"""Any error a template raises while rendering is the user's (exit 1, file:line and a hint), not a bug."""

from __future__ import annotations

from pathlib import Path

import pytest

from entra_profiles.exports import template
from entra_profiles.exports.base import ExportError, FormatOptions, Variable

VARIABLES = [Variable("AZURE_CLIENT_ID", "id"), Variable("AZURE_CLIENT_SECRET", "s3cret", secret=True)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a\n{{ 1/0 }}\n", "2: ZeroDivisionError: division by zero"),
        ("{{ vars.AZURE_CLIENT_ID.nope() }}", "1: UndefinedError: 'str object' has no attribute 'nope'"),
        ("\n\n{{ [1][5] }}", "3: UndefinedError: list object has no element 5"),
        ("{{ {}.update(1) }}", "1: TypeError: 'int' object is not iterable"),
    ],
)
def test_runtime_errors_name_the_template_line_and_give_a_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    (tmp_path / "vars.j2").write_text(text)
    monkeypatch.chdir(tmp_path)
    for path in (Path("vars.j2"), tmp_path / "vars.j2"):  # relative or absolute, the line is found
        with pytest.raises(ExportError) as caught:
            template.render(VARIABLES, FormatOptions("p", template=path))
        assert caught.value.exit_code == 1
        assert caught.value.message == f"{path}:{message}"
        assert caught.value.hint == template.HINT


def test_syntax_errors_give_the_hint_too(tmp_path: Path) -> None:
    path = tmp_path / "vars.j2"
    path.write_text("{% for %}\n")
    with pytest.raises(ExportError) as caught:
        template.render(VARIABLES, FormatOptions("p", template=path))
    assert caught.value.message.startswith(f"{path}:1: template syntax error: ")
    assert caught.value.hint == template.HINT
