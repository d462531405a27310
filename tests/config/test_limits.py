"""Files that would take minutes or gigabytes to check are cut short where the limit is met, and say so."""

from __future__ import annotations

from pathlib import Path

from clirunner import run_cli

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
