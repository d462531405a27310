"""Values chosen to break quoting: quotes of every kind, expansions, newlines, delimiters, Unicode."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from entra_profiles.exports.base import Variable

APP = "0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811"
TENANT = "7f0c1c5e-3d2a-4b8e-9f10-0a1b2c3d4e5f"  # a GUID: export hands over GUIDs, and a domain would need discovery
DUMP = "import json, os; print(json.dumps({k: v for k, v in os.environ.items() if k.startswith('V')}))"

HOSTILE = [
    "plain",
    "",
    " leading and trailing ",
    "it's",
    "'\"'\"'",
    'say "hi"',
    "$HOME ${HOME} $(id) `id`",
    "back\\slash\\",
    "line1\nline2\n",
    "\nOTHER=injected\n",
    "EOF\nINJECTED<<EOF\nx\nEOF",
    "ghadelimiter_0123456789abcdef0123456789abcdef",
    "a=b=c",
    "%0A%25%AZP25;]",
    "cr\rlf\r\n",
    "tab\tbell\a",
    "unicode: é ü 漢字 🚀 \u2018curly\u2019 \u201a\u201b",
    "!history !! !$",
    "*?[glob]~{brace,x}",
    "# not a comment",
    "-n",
]


def hostile_variables(secret: bool = True) -> list[Variable]:
    return [Variable(f"V{i}", value, secret=secret) for i, value in enumerate(HOSTILE)]


def sourced(path: Path, text: str, how: str, shell: str = "sh") -> dict[str, str]:
    """Every V* variable that `text`, written to `path` and sourced by `how` in `shell`, hands a child."""
    path.write_bytes(text.encode())
    proc = subprocess.run(
        [shell, "-c", f'{how} "$1"; exec "$2" -c "$3"', shell, str(path), sys.executable, DUMP],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"},
        check=True,
    )
    data: dict[str, str] = json.loads(proc.stdout)
    return data


def one_profile(directory: Path, credential: str, extra: str = "", name: str = "app") -> Path:
    """A profiles file with one profile of the Contoso automation app: `credential` as a YAML flow mapping."""
    path = directory / "profiles.yaml"
    path.write_text(
        f"version: 1\nprofiles:\n  {name}:\n    tenant: {TENANT}\n    client_id: {APP}\n"
        f"    credential: {credential}\n{extra}",
        encoding="utf-8",
    )
    return path
