"""The CLI's contract: exit codes, messages without tracebacks, light imports, the example file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from clirunner import run_cli
from testenv import REPO_DIR, scrubbed_environ

EXAMPLE = REPO_DIR / "profiles.example.yaml"


def test_example_validates_with_no_environment() -> None:
    r = run_cli("-f", str(EXAMPLE), "validate")
    assert r.code == 0, r.err
    assert r.out.strip().endswith(
        "profiles.example.yaml: 11 profiles valid (4 Key Vault references checked offline; --resolve reads them)"
    )
    assert r.err == ""


def test_example_covers_every_credential_type() -> None:
    r = run_cli("-f", str(EXAMPLE), "list", "--format", "json")
    assert r.code == 0, r.err
    kinds = {p["credential"] for p in json.loads(r.out)["profiles"]}
    assert kinds == {"client_secret", "certificate", "managed_identity", "workload_identity"}


def test_example_begins_with_schema_line() -> None:
    assert EXAMPLE.read_text().startswith("# yaml-language-server: $schema=")


def test_file_from_environment_and_option_after_command(tmp_path: Path) -> None:
    r = run_cli("validate", env={"ENTRA_PROFILES_FILE": str(EXAMPLE)})
    assert r.code == 0, r.err
    r = run_cli("list", "-f", str(EXAMPLE), "contoso-mi")
    assert r.code == 0 and "(system-assigned)" in r.out


def test_missing_file_is_a_usage_error_whose_hint_fits_how_it_was_named(tmp_path: Path) -> None:
    r = run_cli("validate", cwd=tmp_path)
    assert (r.code, r.err) == (
        2,
        "error: profiles file profiles.yaml not found\n"
        "  hint: create profiles.yaml (`entra-profiles schema` prints the format as a JSON Schema); "
        "or name another file with -f FILE or ENTRA_PROFILES_FILE\n",
    )
    (tmp_path / "profiles.example.yaml").write_text(EXAMPLE.read_text())
    r = run_cli("list", cwd=tmp_path)
    assert (r.code, r.err) == (
        2,
        "error: profiles file profiles.yaml not found\n"
        "  hint: start from the example: cp profiles.example.yaml profiles.yaml; "
        "or name another file with -f FILE or ENTRA_PROFILES_FILE\n",
    )
    for args in (["-f", "prod.yaml", "validate"], ["validate", "-f", "prod.yaml"]):
        r = run_cli(*args, cwd=tmp_path)
        assert (r.code, r.err) == (
            2,
            "error: profiles file prod.yaml not found\n  hint: check the path given with -f\n",
        )
    r = run_cli("validate", cwd=tmp_path, env={"ENTRA_PROFILES_FILE": "ci.yaml"})
    assert (r.code, r.err) == (
        2,
        "error: profiles file ci.yaml not found\n"
        "  hint: ENTRA_PROFILES_FILE names it: check the path, or unset ENTRA_PROFILES_FILE to use ./profiles.yaml\n",
    )


def test_problems_exit_1_and_are_all_reported(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text(
        "version: 1\nprofiles:\n  a: {tenant: nope, client_id: x, credential: {type: client_secret, secret: s}}\n"
    )
    r = run_cli("-f", str(f), "validate")
    assert r.code == 1
    lines = r.err.splitlines()
    assert lines[0] == f"{f}:3:15: profiles.a.tenant: 'nope' is neither a tenant id (GUID) nor a domain name"
    assert lines[1].startswith(f"{f}:3:32: profiles.a.client_id: 'x' is not a GUID")
    assert lines[-1] == "2 problems found"
    assert "Traceback" not in r.err


def test_unknown_target_lists_closest_names() -> None:
    r = run_cli("-f", str(EXAMPLE), "list", "contoso-secrt")
    assert r.code == 2
    hint = "  hint: closest: contoso-secret, contoso-ci, contoso-cert-pfx\n"
    assert r.err == "error: unknown profile or group 'contoso-secrt'\n" + hint


@pytest.mark.parametrize(
    ("targets", "expected"),
    [
        (
            ["nightly"],
            [
                "contoso-secret",
                "contoso-cert-file",
                "contoso-cert-pfx",
                "contoso-cert-thumbprint",
                "contoso-cert-subject",
                "contoso-keyvault-cert",
                "contoso-ci",
                "contoso-mi",
                "contoso-ops-uami",
                "fabrikam-reporting",
            ],
        ),
        (["tag:azure-hosted", "contoso-mi", "fabrikam-*"], ["contoso-mi", "contoso-ops-uami", "fabrikam-reporting"]),
        (["lab-automation", "ci"], ["lab-automation", "contoso-ci"]),
    ],
)
def test_selection_order_and_duplicates(targets: list[str], expected: list[str]) -> None:
    r = run_cli("-f", str(EXAMPLE), "list", "--format", "json", *targets)
    assert r.code == 0, r.err
    assert [p["name"] for p in json.loads(r.out)["profiles"]] == expected


def test_glob_matching_nothing() -> None:
    r = run_cli("-f", str(EXAMPLE), "list", "zzz-*")
    assert (r.code, r.err.splitlines()[0]) == (2, "error: 'zzz-*' matches no profile")


def test_usage_error_exit_2() -> None:
    r = run_cli("list", "--format", "xml")
    assert (r.code, r.err) == (
        2,
        "error: invalid value for '--format': 'xml' is not one of 'text', 'json', 'github-matrix'\n"
        "  hint: see 'entra-profiles list --help'\n",
    )


def test_version_and_help_on_every_command() -> None:
    assert run_cli("--version").out.startswith("entra-profiles, version ")
    for cmd in (["validate"], ["list"], ["schema"], ["run"], ["resolve"], ["sandbox"], ["sandbox", "serve"]):
        r = run_cli(*cmd, "--help")
        assert r.code == 0 and "Example" in r.out, cmd


def test_light_commands_import_neither_msal_nor_azure(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import sys, runpy\n"
        "sys.argv = ['entra-profiles'] + sys.argv[1:]\n"
        "try:\n"
        "    runpy.run_module('entra_profiles', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('msal', 'azure', 'jinja2', 'requests'))\n"
        "print('HEAVY', heavy)\n"
    )
    import subprocess
    import sys

    from testenv import scrubbed_environ

    for args in (
        ["--help"],
        ["-f", str(EXAMPLE), "validate"],
        ["-f", str(EXAMPLE), "validate", "--format", "github"],
        ["-f", str(EXAMPLE), "list"],
        ["schema"],
        ["validate", "--help"],
    ):
        proc = subprocess.run(
            [sys.executable, str(probe), *args], env=scrubbed_environ(), capture_output=True, text=True, timeout=60
        )
        assert "HEAVY []" in proc.stdout, (args, proc.stdout[-300:], proc.stderr[-300:])


BUGGY = (  # the CLI with a bug planted in the loader
    "import sys, entra_profiles.config.loader as loader\n"
    "def broken(*args, **kwargs): raise ZeroDivisionError('planted')\n"
    "loader.load_profiles = broken\n"
    "from entra_profiles.cli import main\n"
    "main(sys.argv[1:])\n"
)


def buggy_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BUGGY, *args], env=scrubbed_environ(), capture_output=True, text=True, timeout=60
    )


def test_unexpected_error_is_exit_3_without_traceback_unless_debug(tmp_path: Path) -> None:
    r = buggy_cli("-f", str(tmp_path / "profiles.yaml"), "validate")
    assert r.returncode == 3, r.stderr
    assert r.stderr == (
        "error: unexpected error: ZeroDivisionError: planted\n"
        "  hint: this is a bug: run again with --debug to see the traceback, and report it\n"
    )
    r = buggy_cli("--debug", "-f", str(tmp_path / "profiles.yaml"), "validate")
    assert r.returncode == 3 and "Traceback" in r.stderr


def test_a_path_through_a_file_is_bad_input_not_a_bug(tmp_path: Path) -> None:
    bad = tmp_path / "file.txt"
    bad.write_text("x")
    r = run_cli("-f", str(bad / "profiles.yaml"), "validate")
    assert (r.code, r.err) == (2, f"error: cannot read profiles file {bad}/profiles.yaml: Not a directory\n")


def test_standard_output_closed_or_full_is_reported() -> None:
    ours = [sys.executable, "-m", "entra_profiles", "-f", str(EXAMPLE), "schema"]
    for redirect, reason in ((">/dev/full", "No space left on device"), (">&-", "it is closed")):
        proc = subprocess.run(
            ["bash", "-c", f'exec "$@" {redirect}', "bash", *ours],
            env=scrubbed_environ(),
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
        assert (proc.returncode, proc.stderr) == (1, f"error: cannot write to standard output: {reason}\n")


def test_debug_is_global_but_not_read_after_double_dash(tmp_path: Path) -> None:
    r = buggy_cli("validate", "-f", str(tmp_path / "profiles.yaml"), "--debug")  # after the command, too
    assert r.returncode == 3 and "Traceback" in r.stderr
    from entra_profiles.cli import COMMANDS

    assert "exec" in COMMANDS  # `exec P -- cmd --debug` must not switch our debug on: main() stops at --


def test_hints_for_a_group_written_as_a_tag_and_exec_without_double_dash() -> None:
    r = run_cli("-f", str(EXAMPLE), "list", "tag:nightly")
    assert (r.code, r.err) == (
        2,
        "error: no profile has the tag 'nightly'\n  hint: 'nightly' is a group: select it as nightly\n",
    )
    r = run_cli("-f", str(EXAMPLE), "exec", "contoso-secret", "python", "-c", "1")
    assert (r.code, r.err) == (
        2,
        "error: no such option: -c\n"
        "  hint: put -- before the command: entra-profiles exec PROFILE [OPTIONS] -- COMMAND [ARGS]...\n",
    )


def test_list_shows_profiles_with_problems_marked(tmp_path: Path) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text(
        "version: 1\nprofiles:\n  ci-only:\n    tenant: contoso.onmicrosoft.com\n"
        "    client_id: 0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811\n"
        "    credential: {type: client_secret, secret: '${env:ONLY_IN_CI}'}\n"
        "  broken:\n    tenant: contoso.onmicrosoft.com\n    client_id: nope\n"
        "    credential: {type: managed_identity}\n"
    )
    r = run_cli("-f", str(path), "list")
    assert r.code == 0
    assert [line.split()[:2] for line in r.out.splitlines()] == [
        ["NAME", "TENANT"],
        ["ci-only", "*"],
        ["broken", "*"],
    ]
    assert r.err == "* 2 profile(s) with problems: `entra-profiles validate` says what they are\n"
    rows = json.loads(run_cli("-f", str(path), "list", "--format", "json").out)["profiles"]
    assert [(p["name"], p["credential"], p["problems"]) for p in rows] == [
        ("ci-only", "client_secret", True),
        ("broken", "(invalid)", True),
    ]


def test_validate_for_programs_json_and_github_annotations(tmp_path: Path) -> None:
    (tmp_path / "profiles.yaml").write_text(
        "version: 1\nprofiles:\n  prod:\n    tenent: contoso.onmicrosoft.com\n"
        "    client_id: 0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811\n"
        "    credential: {type: client_secret, secret: '${env:PROD_SECRET}'}\n"
    )
    r = run_cli("validate", "--format", "github", cwd=tmp_path)
    assert (r.code, r.err) == (1, "")
    assert r.out.splitlines() == [
        "::error file=profiles.yaml,line=4,col=5,title=entra-profiles%3A profiles.prod.tenent"
        "::unknown key 'tenent'%0Ahint: did you mean 'tenant'?",
        "::error file=profiles.yaml,line=6,col=47,title=entra-profiles%3A profiles.prod.credential.secret"
        "::environment variable PROD_SECRET is not set%0Ahint: set it, or give a default: ${env:PROD_SECRET:-value}",
    ]
    r = run_cli("validate", "--format", "json", cwd=tmp_path)
    report = json.loads(r.out)
    assert r.code == 1 and report["valid"] == [] and report["file"] == "profiles.yaml"
    assert report["problems"][0] == {
        "file": "profiles.yaml",
        "line": 4,
        "col": 5,
        "path": "profiles.prod.tenent",
        "message": "unknown key 'tenent'",
        "hint": "did you mean 'tenant'?",
        "profiles": ["prod"],
    }
    r = run_cli("validate", "--format", "json", cwd=tmp_path, env={"PROD_SECRET": "x"})
    assert r.code == 1 and len(json.loads(r.out)["problems"]) == 1
    r = run_cli("-f", str(EXAMPLE), "validate", "--format", "github")
    assert (r.code, r.out) == (0, "")
