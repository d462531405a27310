"""How `export` reaches a CI's OIDC endpoint and GitHub's files: the CA we pass wins over an inherited
REQUESTS_CA_BUNDLE, proxies from the environment are honoured, `--outputs` appends to $GITHUB_OUTPUT."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import certifi
import pytest
from exportsupport import all_credentials, cli, write_profiles
from githubenv import parse_env_file
from runsupport import CONTOSO

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


def test_https_proxy_from_the_environment_is_used(box: Sandbox, world: ExampleWorld, tmp_path: Path) -> None:
    with socket.socket() as s:  # a loopback port nothing listens on: the proxy is refused
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    profiles = write_profiles(tmp_path, all_credentials(world, tmp_path))
    proxied = {"HTTPS_PROXY": dead, "https_proxy": dead, "NO_PROXY": "", "no_proxy": ""}
    r = cli(box, profiles, "export", "github", env=proxied)
    assert (r.code, r.out) == (1, "")
    assert r.err.startswith(  # the tenant's discovery, the first request, goes through the proxy too
        "error: github: cannot resolve tenant 'contoso.onmicrosoft.com' to its GUID: cannot reach "
        f"{box.url}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration through the proxy: "
        "Connection refused\n"
    )
    guid = write_profiles(tmp_path, all_credentials(world, tmp_path).replace("contoso.onmicrosoft.com", CONTOSO))
    r = cli(box, guid, "export", "github", env=proxied)
    assert (r.code, r.out) == (1, "")
    assert r.err == "error: GitHub's OIDC endpoint is unreachable: ProxyError\n"
    r = cli(box, profiles, "export", "github", env={**proxied, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"})
    assert r.code == 0, r.err


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
