"""`validate` is quiet on success (one summary line; -v lists the profiles), and stays quick to start."""

from __future__ import annotations

from pathlib import Path

from clirunner import run_cli

ENTRY = """  p{i:03d}:
    tenant: contoso.onmicrosoft.com
    client_id: 0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811
    credential: {{type: client_secret, secret: "${{env:APP_SECRET:-s3cret}}"}}
"""


def test_success_is_one_line_and_verbose_lists_each_profile(tmp_path: Path) -> None:
    (tmp_path / "profiles.yaml").write_text("version: 1\nprofiles:\n" + "".join(ENTRY.format(i=i) for i in range(500)))
    r = run_cli("validate", cwd=tmp_path)
    assert (r.code, r.out, r.err) == (0, "profiles.yaml: 500 profiles valid\n", "")
    r = run_cli("validate", "-v", "p00*", cwd=tmp_path)
    assert (r.code, r.err) == (0, "")
    assert r.out.splitlines() == [
        *(f"  ok  p00{i}  client_secret, Global" for i in range(10)),
        "profiles.yaml: 10 profiles valid",
    ]
    r = run_cli("validate", "--verbose", cwd=tmp_path)
    assert len(r.out.splitlines()) == 501
