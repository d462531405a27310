"""`AZURE_POD_IDENTITY_AUTHORITY_HOST` belongs to the export that set it: after a sandbox managed identity
profile's export, exporting (or exec'ing) a production one must not leave managed identity pointed at the
old sandbox. sh, fish and pwsh unset it; exec drops an inherited one the profile does not set."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from clirunner import run_cli
from runsupport import CONTOSO
from testenv import scrubbed_environ

from entra_profiles.sandbox import Sandbox

PROFILES = f"""version: 1
profiles:
  sandbox-mi:
    tenant: {CONTOSO}
    credential: {{type: managed_identity}}
  prod-mi:
    tenant: {CONTOSO}
    credential: {{type: managed_identity}}
"""
HOST = "AZURE_POD_IDENTITY_AUTHORITY_HOST"


@pytest.fixture
def profiles(tmp_path: Path) -> Path:
    path = tmp_path / "profiles.yaml"
    path.write_text(PROFILES, encoding="utf-8")
    return path


def test_a_sourced_sandbox_export_is_undone_by_the_next_export(box: Sandbox, profiles: Path) -> None:
    """The user's session, in bash: `eval` the sandbox profile's export, then a production profile's."""
    entra = f"{sys.executable} -m entra_profiles -f {profiles}"
    script = (
        f'eval "$({entra} export sandbox-mi --sandbox {box.state_dir})" && echo "sandbox: ${HOST}" && '
        f'eval "$({entra} export prod-mi)" && echo "prod: ${{{HOST}-unset}}"'
    )
    proc = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=120, env=scrubbed_environ(), check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"sandbox: {box.info['imds_authority_host']}\nprod: unset\n"


@pytest.mark.parametrize(
    ("fmt", "removal"),
    [("sh", f" {HOST} "), ("fish", f"set -e {HOST}\n"), ("powershell", f"Remove-Item Env:{HOST} ")],
)
def test_every_shell_format_removes_it(box: Sandbox, profiles: Path, fmt: str, removal: str) -> None:
    r = run_cli("-f", str(profiles), "export", "prod-mi", "--format", fmt, env={HOST: box.info["authority_host"]})
    assert r.code == 0, r.err
    assert removal in r.out
    if fmt == "sh":
        assert r.out.splitlines()[0].startswith("unset ") and HOST in r.out.splitlines()[0].split()


def test_exec_drops_an_inherited_one_the_profile_does_not_set(box: Sandbox, profiles: Path) -> None:
    shown = ["sh", "-c", f'echo "${{{HOST}-unset}}"']
    inherited = {HOST: box.info["imds_authority_host"]}
    prod = run_cli("-f", str(profiles), "exec", "prod-mi", "--", *shown, env=inherited)
    assert (prod.code, prod.out) == (0, "unset\n"), prod.err
    sandboxed = run_cli(
        "-f", str(profiles), "exec", "sandbox-mi", "--sandbox", str(box.state_dir), "--", *shown, env=inherited
    )
    assert (sandboxed.code, sandboxed.out) == (0, f"{box.info['imds_authority_host']}\n"), sandboxed.err
