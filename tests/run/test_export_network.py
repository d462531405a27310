"""How `export` reaches a CI's OIDC endpoint and GitHub's files: the CA we pass wins over an inherited
REQUESTS_CA_BUNDLE, `--outputs` appends to $GITHUB_OUTPUT. (Proxies: test_proxies.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import certifi
import pytest
from exportsupport import all_credentials, cli, write_profiles
from githubenv import parse_env_file

from entra_profiles.sandbox import Sandbox
from entra_profiles.sandbox.example import ExampleWorld


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_an_inherited_ca_bundle_does_not_replace_the_sandbox_ca(
    box: Sandbox, world: ExampleWorld, tmp_path: Path, variable: str
) -> None:
    profiles = write_profiles(tmp_path, all_credentials(world, tmp_path))
    env = {variable: certifi.where(), "RUNNER_TEMP": str(tmp_path)}  # public CAs only: the sandbox's is not there
    for profile in ("github", "pipelines"):
        r = cli(box, profiles, "export", profile, "--format", "json", env=env)
        assert r.code == 0, r.err
        assert Path(json.loads(r.out)["AZURE_FEDERATED_TOKEN_FILE"]).read_text().count(".") == 2


def test_outputs_append_to_github_output_only(box: Sandbox, world: ExampleWorld, tmp_path: Path) -> None:
    profiles = write_profiles(tmp_path, all_credentials(world, tmp_path))
    env_file, output_file = tmp_path / "github_env", tmp_path / "github_output"
    env_file.write_text("")
    r = cli(box, profiles, "export", "secret", "--format", "github", "--outputs", env={"GITHUB_ENV": str(env_file)})
    assert (r.code, r.err.splitlines()[0]) == (
        2,
        "error: $GITHUB_OUTPUT is not set: --format github runs inside a GitHub Actions step",
    )
    env = {"GITHUB_ENV": str(env_file), "GITHUB_OUTPUT": str(output_file)}
    r = cli(box, profiles, "export", "secret", "--format", "github", "--outputs", env=env)
    assert r.code == 0, r.err
    assert env_file.read_text() == ""
    assert parse_env_file(output_file.read_text())["AZURE_CLIENT_SECRET"] == "sandbox-secret-contoso-1"
