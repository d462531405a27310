"""Every YAML example in docs/ is a complete profiles file that loads without problems."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from testenv import REPO_DIR

from entra_profiles.config.loader import load_profiles

BLOCK = re.compile(r"```yaml\n(.*?)```", re.S)
DOCS = sorted((REPO_DIR / "docs").glob("*.md"))
EXAMPLES = [
    (doc.name, i, text)
    for doc in DOCS
    for i, text in enumerate(BLOCK.findall(doc.read_text(encoding="utf-8")))
    if text.lstrip().startswith(("version:", "# yaml-language-server"))
]


@pytest.mark.parametrize(("doc", "index", "text"), EXAMPLES, ids=[f"{d}#{i}" for d, i, _ in EXAMPLES])
def test_docs_example_loads(tmp_path: Path, doc: str, index: int, text: str) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text(text, encoding="utf-8")
    ps = load_profiles(path, environ={"CONTOSO_PROD_SECRET": "x" * 8, "AUTOMATION_PFX_PASSWORD": "p" * 8})
    assert [p.format() for p in ps.problems] == []
    assert ps.profiles and set(ps.profiles) == set(ps.names)


def test_profiles_doc_has_examples() -> None:
    assert len([e for e in EXAMPLES if e[0] == "profiles.md"]) >= 5
