"""What `validate` must do with any file: exit 0 or 1, never 3; each problem one located line."""

from __future__ import annotations

import re
from pathlib import Path

from clirunner import Result

SUMMARY = re.compile(r"\d+ problems? found")
POSITION = re.compile(r"\d+:\d+: .")


def violations(r: Result, path: Path) -> list[str]:
    """Everything wrong with how `validate` ended on `path` (nothing, when it behaved)."""
    found = []
    if r.code not in (0, 1):
        found.append(f"exit {r.code}")
    if "Traceback" in r.err or "unexpected error" in r.err:
        found.append("a crash")
    if r.code == 0 and (r.err or not r.out.rstrip("\n").endswith((" valid", "--resolve reads them)"))):
        found.append("success without its summary line, or with something on stderr")
    if r.code == 1:
        lines = r.err.rstrip("\n").split("\n")
        if r.out or not SUMMARY.fullmatch(lines[-1]):
            found.append("problems without their count, or something on stdout")
        problems = [line for line in lines[:-1] if not line.startswith("  hint: ")]
        prefix = f"{path}:"
        unlocated = [p for p in problems if not (p.startswith(prefix) and POSITION.match(p, len(prefix)))]
        if unlocated:
            found.append(f"{len(unlocated)} problem(s) without FILE:LINE:COL, first: {unlocated[0][:200]!r}")
        if SUMMARY.fullmatch(lines[-1]) and int(lines[-1].split()[0]) != len(problems):
            found.append(f"{len(problems)} problem lines, but the count says {lines[-1]!r}")
    return found
