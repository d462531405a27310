"""Files that would take minutes or gigabytes to check are cut short where the limit is met, and say so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clirunner import run_cli

from entra_profiles.config.limits import MAX_VALUES
from entra_profiles.config.source import parse_source

GOOD = "    tenant: contoso.onmicrosoft.com\n    client_id: 0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811\n"
SECRET = "    credential: {type: client_secret, secret: s3cret-value}\n"


def test_more_than_10000_problems_stop_the_check_where_they_are_met(tmp_path: Path) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text("version: 1\nprofiles:\n" + "".join(f"  p{i}: {{tenant: x{i}}}\n" for i in range(9000)))
    r = run_cli("-f", str(path), "validate")
    lines = r.err.splitlines()
    notice = [line for line in lines if "not checked" in line]
    assert r.code == 1 and 10_000 < int(lines[-1].split()[0]) < 11_000
    assert notice == [f"{path}:1003:10: profiles.p1000: more than 10000 problems: the file is not checked from here on"]


def test_large_templates_inherited_by_many_profiles_are_checked_up_to_a_budget(tmp_path: Path) -> None:
    path = tmp_path / "profiles.yaml"
    template = "    tags: [" + ", ".join(f"t{i}" for i in range(20_000)) + "]\n"
    profiles = "".join(f"  p{j}:\n    extends: big\n" + GOOD + SECRET for j in range(1000))
    path.write_text("version: 1\ntemplates:\n  big:\n" + template + "profiles:\n" + profiles)
    r = run_cli("-f", str(path), "validate")
    assert r.code == 1
    assert (
        f"{path}:52:5: profiles.p9: profiles inherit more than 200000 values in all: this profile and the ones "
        "after it are not checked"
    ) in r.err.splitlines()


def test_selecting_groups_that_nest_deep_or_double_at_each_step(tmp_path: Path) -> None:
    path = tmp_path / "profiles.yaml"
    chain = "".join(f"  c{i}: [c{i + 1}]\n" for i in range(3000)) + "  c3000: [prod]\n"
    doubling = "".join(f"  d{i}: [d{i + 1}, d{i + 2}]\n" for i in range(60)) + "  d60: [prod]\n  d61: [prod]\n"
    path.write_text("version: 1\nprofiles:\n  prod:\n" + GOOD + SECRET + "groups:\n" + chain + doubling)
    for group in ("c0", "d0"):
        r = run_cli("-f", str(path), "validate", group)
        assert (r.code, r.out, r.err) == (0, f"{path}: 1 profile valid\n", "")


def rich_profiles(count: int) -> str:
    """An honest file of `count` profiles of twenty-odd values each: a merged anchor, a template,
    tags, a certificate with its stores, expectations."""
    head = (
        "version: 1\ndefaults:\n  cloud: Global\ntemplates:\n  team:\n    tenant: contoso.onmicrosoft.com\n"
        "    scopes: [https://graph.microsoft.com/.default]\n"
        "  common: &base\n    description: an app of the platform team\n    probe: false\nprofiles:\n"
    )
    profile = (
        "  p{0}:\n    <<: *base\n    extends: team\n    client_id: 0b9f4a52-6c1d-4e8f-a2b3-{0:012d}\n"
        "    tags: [prod, team-a, eu]\n"
        '    credential: {{type: certificate, thumbprint: "{0:040X}", stores: [CurrentUser/My, LocalMachine/My]}}\n'
        "    expect: {{require_roles: [User.Read.All, Group.Read.All], forbid_roles: [Directory.ReadWrite.All], "
        "warn_within: 30d}}\n"
    )
    return head + "".join(profile.format(j) for j in range(count))


def values_in(node: Any) -> int:
    if isinstance(node, dict):
        return 1 + sum(values_in(v) for v in node.values())
    if isinstance(node, list):
        return 1 + sum(values_in(v) for v in node)
    return 1


def test_a_large_file_without_aliases_says_which_limit_it_passed_where_and_how_to_split(tmp_path: Path) -> None:
    """It was told that "anchors and aliases that multiply each other are refused"."""
    path = tmp_path / "profiles.yaml"
    tags = "    tags: [" + ", ".join(f"t{i}" for i in range(36)) + "]\n"
    path.write_text("version: 1\nprofiles:\n" + "".join(f"  p{j}:\n" + GOOD + SECRET + tags for j in range(10_000)))
    r = run_cli("-f", str(path), "validate")
    assert (r.code, r.out, r.err) == (
        1,
        "",
        f"{path}:46517:28: profiles.p9302.tags[4]: the file holds more than 400000 values, the most one profiles "
        "file may hold: it is not checked\n"
        "  hint: split it into several files, each given with -f FILE: 9302 profiles come before this point\n"
        "1 problem found\n",
    )


def test_an_honest_file_of_5000_profiles_is_well_within_the_limits(tmp_path: Path) -> None:
    text = rich_profiles(5000)
    assert 3 * values_in(parse_source(text, "profiles.yaml").tree) < MAX_VALUES
    path = tmp_path / "profiles.yaml"
    path.write_text(text)
    r = run_cli("-f", str(path), "validate")
    assert (r.code, r.out, r.err) == (0, f"{path}: 5000 profiles valid\n", "")
