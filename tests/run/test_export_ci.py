"""CI formats end to end: GitHub masks before anything else, Azure Pipelines flags, GitLab refuses."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from exportsupport import SECRET, all_credentials, cli, write_profiles
from githubenv import parse_env_file, unescape_command_data
from runsupport import AUTOMATION, CONTOSO
from testenv import scrubbed_environ

from entra_profiles.exports import azure_pipelines
from entra_profiles.exports.template import HINT
from entra_profiles.sandbox import Sandbox
from entra_profiles.sandbox.example import ExampleWorld


def test_github_masks_every_secret_line_before_anything_else(box: Sandbox, world: ExampleWorld, tmp_path: Path) -> None:
    profiles = write_profiles(tmp_path, all_credentials(world, tmp_path))
    env_file = tmp_path / "github_env"
    env_file.write_text("EXISTING=1\n")
    env = {**scrubbed_environ(), "APP_SECRET": SECRET, "GITHUB_ENV": str(env_file), "RUNNER_TEMP": str(tmp_path)}
    args = ["-f", str(profiles), "export", "vault-cert", "--format", "github", "--vars", "all", "--token"]
    proc = subprocess.run(  # stdout and stderr in one stream, as a runner's log has them
        [sys.executable, "-m", "entra_profiles", *args, "--sandbox", str(box.state_dir)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout
    log = proc.stdout.splitlines()
    masks = [unescape_command_data(line.removeprefix("::add-mask::")) for line in log if line.startswith("::add-")]
    assert log[: len(masks)] == [line for line in log if line.startswith("::add-mask::")]  # masks come first
    assert log[len(masks) :] == [
        f"note: wrote 2 private file(s) to {tmp_path}/{_folder(tmp_path)}; remove it when done"
    ]
    values = parse_env_file(env_file.read_text())
    assert values.pop("EXISTING") == "1"
    assert set(masks) == {values["ARM_CLIENT_CERTIFICATE_PASSWORD"], values["AZURE_ACCESS_TOKEN"]}
    assert values["AZURE_CLIENT_ID"] == AUTOMATION and Path(values["AZURE_CLIENT_CERTIFICATE_PATH"]).is_file()


def _folder(base: Path) -> str:
    return next(p.name for p in base.iterdir() if p.name.startswith("entra-profiles-"))


def test_github_outside_actions_and_option_mistakes(box: Sandbox, world: ExampleWorld, tmp_path: Path) -> None:
    profiles = write_profiles(tmp_path, all_credentials(world, tmp_path))
    r = cli(box, profiles, "export", "secret", "--format", "github")
    assert (r.code, r.out) == (2, "")
    assert r.err == (
        "error: $GITHUB_ENV is not set: --format github runs inside a GitHub Actions step\n"
        "  hint: elsewhere, use --format sh or dotenv\n"
    )
    cases = {
        ("--outputs",): "error: --outputs applies to --format github only\n",
        ("--format", "sh", "--allow-secrets"): "error: --allow-secrets applies to --format gitlab only\n",
        ("--format", "github", "-o", "x"): "error: -o does not apply to --format github: it appends to $GITHUB_ENV\n",
        ("--vars", "aws"): "error: unknown --vars set 'aws'\n"
        "  hint: choose from azure-identity, terraform, terraform-azuread, all\n",
    }
    for args, message in cases.items():
        r = cli(box, profiles, "export", "secret", *args)
        assert (r.code, r.err) == (2, message), args
    r = cli(box, profiles, "export", "contoso-*")
    assert r.code == 2 and r.err.startswith("error: 'contoso-*' ")


def test_azure_pipelines_sets_secrets_as_secret(box: Sandbox, world: ExampleWorld, tmp_path: Path) -> None:
    profiles = write_profiles(tmp_path, all_credentials(world, tmp_path))
    r = cli(box, profiles, "export", "secret", "--format", "azure-pipelines", "--vars", "terraform")
    assert r.code == 0, r.err
    assert azure_pipelines.parse(r.out) == {
        "ARM_TENANT_ID": (CONTOSO, False),  # the profile's domain, resolved to its GUID
        "ARM_CLIENT_ID": (AUTOMATION, False),
        "ARM_CLIENT_SECRET": (SECRET, True),
        "ARM_METADATA_HOSTNAME": (box.info["arm_metadata_host"], False),  # the sandbox's ARM names the cloud
    }
    assert f"##vso[task.setvariable variable=ARM_CLIENT_SECRET;issecret=true]{SECRET}\n" in r.out


def test_gitlab_refuses_secrets_unless_allowed(box: Sandbox, world: ExampleWorld, tmp_path: Path) -> None:
    profiles = write_profiles(tmp_path, all_credentials(world, tmp_path))
    report = tmp_path / "deploy.env"
    r = cli(box, profiles, "export", "secret", "--format", "gitlab", "-o", str(report))
    assert (r.code, r.out) == (1, "")
    assert r.err == (
        "error: refusing to write secrets (AZURE_CLIENT_SECRET) to a GitLab dotenv report: a dotenv report is a "
        "job artifact: anyone who can read the job's artifacts can read it, and GitLab does not mask its values\n"
        "  hint: use workload identity (id_tokens) or masked CI/CD variables; --allow-secrets to write them anyway\n"
    )
    assert not report.exists()
    r = cli(box, profiles, "export", "secret", "--format", "gitlab", "--allow-secrets", "-o", str(report))
    assert r.code == 0 and f"AZURE_CLIENT_SECRET={SECRET}\n" in report.read_text()
    assert report.stat().st_mode & 0o777 == 0o600


def test_template_format_and_its_errors(box: Sandbox, world: ExampleWorld, tmp_path: Path) -> None:
    profiles = write_profiles(tmp_path, all_credentials(world, tmp_path))
    template = tmp_path / "vars.j2"
    template.write_text(
        "# {{ profile }}\n{% for v in variables %}{{ v.name }}={{ v.value | sh }}{{ ' # secret' if v.secret }}\n"
        "{% endfor %}"
    )
    r = cli(box, profiles, "export", "secret", "--template", str(template))
    assert r.code == 0, r.err
    assert r.out.splitlines()[0] == "# secret"
    assert f"AZURE_CLIENT_SECRET={SECRET} # secret" in r.out.splitlines()
    template.write_text("line one\n{{ vars.AZURE_NOPE }}\n")
    r = cli(box, profiles, "export", "secret", "--template", str(template))
    assert (r.code, r.out) == (1, "")
    assert r.err == (
        f"error: {template}:2: UndefinedError: 'dict object' has no attribute 'AZURE_NOPE'\n  hint: {HINT}\n"
    )
    template.write_text("line one\n{{ 1/0 }}\n")  # any exception from rendering is the template's, not a bug
    r = cli(box, profiles, "export", "secret", "--template", str(template))
    assert (r.code, r.out, r.err) == (
        1,
        "",
        f"error: {template}:2: ZeroDivisionError: division by zero\n  hint: {HINT}\n",
    )
    template.write_text("{% for %}\n")
    r = cli(box, profiles, "export", "secret", "--template", str(template))
    assert r.code == 1 and r.err.startswith(f"error: {template}:1: template syntax error: ")
    r = cli(box, profiles, "export", "secret", "--template", str(template), "--format", "sh")
    assert (r.code, r.err.splitlines()[0]) == (2, "error: --template and --format exclude each other")


def test_help_has_examples() -> None:
    from clirunner import run_cli

    for command in ("export", "exec"):
        r = run_cli(command, "--help")
        assert r.code == 0 and "Examples:" in r.out, command


def test_github_env_created_by_us_is_private(box: Sandbox, world: ExampleWorld, tmp_path: Path) -> None:
    profiles = write_profiles(tmp_path, all_credentials(world, tmp_path))
    env_file = tmp_path / "github_env"  # not there yet
    r = cli(box, profiles, "export", "secret", "--format", "github", env={"GITHUB_ENV": str(env_file)})
    assert r.code == 0, r.err
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600 and SECRET in env_file.read_text()


def test_ci_formats_warn_of_what_an_earlier_step_left(box: Sandbox, world: ExampleWorld, tmp_path: Path) -> None:
    profiles = write_profiles(tmp_path, all_credentials(world, tmp_path))
    env = {"GITHUB_ENV": str(tmp_path / "github_env"), "AZURE_CLIENT_SECRET": "from-an-earlier-step"}
    for fmt in ("github", "azure-pipelines"):
        r = cli(box, profiles, "export", "pem-file", "--format", fmt, env=env)
        assert r.code == 0, r.err
        assert r.err.endswith(
            f"warning: AZURE_CLIENT_SECRET stays set from an earlier step ({fmt} cannot unset a variable), and "
            "azure-identity tries AZURE_CLIENT_SECRET first: the steps after this one would sign in with that "
            "step's secret, not this profile's certificate\n"
            "  hint: export each profile in a job of its own, or in the step that uses it (exec)\n"
        )
        assert "from-an-earlier-step" not in r.out + r.err
    stale = {"AZURE_CLIENT_CERTIFICATE_PATH": "/tmp/old.pem", "AZURE_FEDERATED_TOKEN_FILE": "/tmp/old-token"}
    r = cli(box, profiles, "export", "secret", "--format", "github", env={**env, **stale})
    assert r.code == 0, r.err
    assert (
        "warning: AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE stay set from an earlier step (github "
        "cannot unset a variable): the steps after this one see them beside this profile's variables\n"
    ) in r.err
