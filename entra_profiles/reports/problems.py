"""Problems of a profiles file for programs: JSON, or GitHub Actions annotations on the file's lines."""

from __future__ import annotations

from entra_profiles.errors import Problem
from entra_profiles.exports.github import escape_data
from entra_profiles.redact import REDACTOR
from entra_profiles.safetext import json_text, neutralize


def as_dict(problem: Problem) -> dict[str, object]:
    w = problem.where
    return {
        "file": w.file,
        "line": w.line,
        "col": w.col,
        "path": w.path,
        "message": problem.message,
        "hint": problem.hint,
        "profiles": sorted(problem.owners),
    }


def render_json(file: str, problems: list[Problem], valid: list[str]) -> str:
    document = {"file": file, "valid": valid, "problems": [as_dict(p) for p in problems]}
    return json_text(REDACTOR.redact_tree(document))


def render_github(problems: list[Problem]) -> str:
    """`::error file=…,line=…,col=…::message` per problem: shown on the line in a pull request."""
    lines = []
    for p in problems:
        w = p.where
        props = [f"file={_property(w.file or '')}"]
        props += [f"line={w.line}"] if w.line is not None else []
        props += [f"col={w.col}"] if w.col is not None else []
        props.append(f"title={_property('entra-profiles: ' + (w.path or 'file'))}")
        text = p.message + (f"\nhint: {p.hint}" if p.hint else "")
        lines.append(f"::error {','.join(props)}::{escape_data(neutralize(REDACTOR.redact(text)))}")
    return "\n".join(lines)


def _property(text: str) -> str:
    return escape_data(neutralize(text)).replace(":", "%3A").replace(",", "%2C")
