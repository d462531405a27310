"""`expect:` in the profile format: inherited and merged like the rest, checked offline where written."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_broken_files import problems_of

from entra_profiles.config.fields import duration_seconds
from entra_profiles.config.loader import load_profiles

HEAD = """version: 1
defaults:
  expect: {credential_valid_for: 30d, forbid_roles: ['*.ReadWrite.All']}
templates:
  strict:
    expect: {warn_within: 60d, tenant: contoso.onmicrosoft.com}
profiles:
"""
APP = """    tenant: contoso.onmicrosoft.com
    client_id: 0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811
    credential: {type: client_secret, secret: x}
"""


def problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "profiles.yaml"
    path.write_text(text, encoding="utf-8")
    return [p.replace(str(path), "F") for p in problems_of(path)]


def test_expect_merges_from_defaults_and_templates(tmp_path: Path) -> None:
    text = HEAD + "  p:\n    extends: strict\n" + APP + "    expect: {require_roles: [User.Read.All]}\n"
    (tmp_path / "profiles.yaml").write_text(text)
    expect = load_profiles(tmp_path / "profiles.yaml", environ={}).profiles["p"].expect
    assert expect is not None
    assert (expect.credential_valid_for, expect.warn_within, expect.tenant) == ("30d", "60d", "contoso.onmicrosoft.com")
    assert (expect.forbid_roles, expect.required_roles) == (["*.ReadWrite.All"], ["User.Read.All"])


@pytest.mark.parametrize(
    ("expect", "wanted"),
    [
        (
            "{credential_valid_for: 30}",
            "F:10:36: profiles.p.expect.credential_valid_for: 30 is not a duration such as 30d, 2w, 12h, 45m or "
            "90s: write 30d for days, 30h for hours or 30m for minutes",
        ),
        (
            "{token_lifetime_min: 1 hour}",
            "F:10:34: profiles.p.expect.token_lifetime_min: '1 hour' is not a duration such as 30d, 2w, 12h, 45m "
            "or 90s",
        ),
        (
            "{forbid_role: [x]}",
            "F:10:14: profiles.p.expect.forbid_role: unknown key 'forbid_role'\n  hint: did you mean 'forbid_roles'?",
        ),
        (
            "{forbid_roles: Directory.ReadWrite.All}",
            "F:10:28: profiles.p.expect.forbid_roles: expected a list, got 'Directory.ReadWrite.All'",
        ),
    ],
)
def test_expect_errors_are_located(tmp_path: Path, expect: str, wanted: str) -> None:
    text = (
        "version: 1\nprofiles:\n  p:\n"
        + APP
        + "    scopes: null\n    tags: []\n    description: d\n    expect: "
        + expect
        + "\n"
    )
    assert problems(tmp_path, text) == [wanted]


def test_warn_within_must_be_longer_and_roles_has_one_name(tmp_path: Path) -> None:
    text = (
        HEAD
        + "  p:\n    extends: strict\n"
        + APP
        + "    expect: {credential_valid_for: 90d, roles: [a], require_roles: [b]}\n"
    )
    found = problems(tmp_path, text)
    assert len(found) == 1 and found[0].startswith("F:13:13: profiles.p.expect: ")
    assert "both require_roles and roles are given" in found[0]
    text = HEAD + "  p:\n    extends: strict\n" + APP + "    expect: {credential_valid_for: 90d}\n"
    assert problems(tmp_path, text) == [
        "F:13:13: profiles.p.expect: warn_within (60d) must be longer than credential_valid_for (90d): a credential "
        "ending within credential_valid_for fails, one ending later but within warn_within warns"
    ]


def test_durations() -> None:
    assert [duration_seconds(d) for d in ("90s", "45m", "12h", "30d", "2w")] == [90, 2700, 43200, 2592000, 1209600]
