"""`export --format sh`, sourced by bash, configures azure-identity in a program that knows nothing of us."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from exportsupport import CONNECTION, all_credentials, cli, source_and_run, write_profiles
from runsupport import AUTOMATION, CONTOSO

from entra_profiles.sandbox import Sandbox
from entra_profiles.sandbox.example import ExampleWorld


def exported_vars(path: Path) -> dict[str, str]:
    import shlex

    found = {}
    for line in path.read_text().splitlines():
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            found[name] = shlex.split(value)[0] if value else ""
    return found


@pytest.mark.parametrize(
    ("profile", "kind"),
    [
        ("secret", "environment"),
        ("store-cert", "environment"),
        ("vault-cert", "environment"),
        ("github", "workload"),
        ("pipelines", "workload"),
    ],
)
def test_sourced_sh_signs_in_with_azure_identity(
    box: Sandbox, world: ExampleWorld, tmp_path: Path, profile: str, kind: str
) -> None:
    profiles = write_profiles(tmp_path, all_credentials(world, tmp_path))
    out = tmp_path / "vars.sh"
    r = cli(box, profiles, "export", profile, "--format", "sh", "-o", str(out))
    assert r.code == 0, r.err
    assert r.out == ""
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    child = source_and_run(tmp_path, out, kind, box.info["ca_bundle"])
    assert child.returncode == 0, child.stderr[-2000:]
    claims = json.loads(child.stdout)
    assert (claims["appid"], claims["tid"]) == (AUTOMATION, CONTOSO)
    assert claims["roles"] == ["User.Read.All", "Group.Read.All", "Application.Read.All"]
    got = exported_vars(out)
    assert got["AZURE_AUTHORITY_HOST"] == box.info["authority_host"]
    for name in ("AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_FEDERATED_TOKEN_FILE"):
        if name in got:  # a store or vault certificate, or a fetched CI token: a private temporary file
            path = Path(got[name])
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
            assert r.err == f"note: wrote 1 private file(s) to {path.parent}; remove it when done\n"


def test_variables_of_each_source(box: Sandbox, world: ExampleWorld, tmp_path: Path) -> None:
    profiles = write_profiles(tmp_path, all_credentials(world, tmp_path))
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    got = {}
    for name in ("secret", "pem-file", "vault-cert", "github", "pipelines"):
        r = cli(
            box, profiles, "export", name, "--format", "json", "--vars", "all", env={"RUNNER_TEMP": str(runner_temp)}
        )
        assert r.code == 0, r.err
        got[name] = json.loads(r.out)
    assert got["secret"] == {
        "AZURE_TENANT_ID": CONTOSO,  # the profile's domain, resolved to its GUID
        "AZURE_CLIENT_ID": AUTOMATION,
        "AZURE_CLIENT_SECRET": "sandbox-secret-contoso-1",
        "AZURE_AUTHORITY_HOST": box.info["authority_host"],
        "ARM_TENANT_ID": CONTOSO,
        "ARM_CLIENT_ID": AUTOMATION,
        "ARM_CLIENT_SECRET": "sandbox-secret-contoso-1",
        "ARM_METADATA_HOSTNAME": box.info["arm_metadata_host"],
    }
    pem = got["pem-file"]
    assert pem["AZURE_CLIENT_CERTIFICATE_PATH"] == str(world.certs["contoso-automation"].pem)  # used in place
    assert pem["AZURE_CLIENT_SEND_CERTIFICATE_CHAIN"] == "true"
    assert Path(pem["ARM_CLIENT_CERTIFICATE_PATH"]).parent.parent == runner_temp  # Terraform needs PFX: a copy
    vault = got["vault-cert"]
    assert Path(vault["AZURE_CLIENT_CERTIFICATE_PATH"]).read_bytes().startswith(b"-----BEGIN " + b"PRIVATE KEY")
    from cryptography.hazmat.primitives.serialization import pkcs12

    pfx = pkcs12.load_pkcs12(
        Path(vault["ARM_CLIENT_CERTIFICATE_PATH"]).read_bytes(), vault["ARM_CLIENT_CERTIFICATE_PASSWORD"].encode()
    )
    assert pfx.cert is not None and pfx.key is not None
    assert "AZURE_CLIENT_CERTIFICATE_PASSWORD" not in vault
    wi = got["github"]
    assert Path(wi["AZURE_FEDERATED_TOKEN_FILE"]).read_text().count(".") == 2  # a JWT, fetched now
    assert (wi["ARM_USE_OIDC"], wi["ARM_OIDC_REQUEST_URL"]) == ("true", box.info["oidc_request_url"])
    assert wi["ARM_OIDC_REQUEST_TOKEN"] == box.info["oidc_request_token"]
    pipelines = got["pipelines"]
    assert Path(pipelines["AZURE_FEDERATED_TOKEN_FILE"]).read_text().count(".") == 2
    assert pipelines["ARM_OIDC_REQUEST_URL"] == box.info["azure_pipelines_oidc_url"]
    assert pipelines["ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID"] == CONNECTION
    for folder in runner_temp.iterdir():
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in folder.iterdir())


def test_token_and_check(box: Sandbox, world: ExampleWorld, tmp_path: Path) -> None:
    profiles = write_profiles(tmp_path, all_credentials(world, tmp_path))
    r = cli(box, profiles, "export", "secret", "--format", "json", "--token", "--check")
    assert r.code == 0, r.err
    got = json.loads(r.out)
    assert got["AZURE_ACCESS_TOKEN"].count(".") == 2
    assert int(got["AZURE_ACCESS_TOKEN_EXPIRES_ON"]) > 1_700_000_000
    r = cli(box, profiles, "export", "secret", "--check", env={"APP_SECRET": "wrong-secret"})
    assert (r.code, r.out) == (1, "")
    assert r.err == (
        "error: secret: --check failed, nothing exported: AADSTS7000215: invalid client secret\n"
        "  hint: use the secret's Value, not its Secret ID; or the secret was rotated\n"
    )
    r = cli(box, profiles, "export", "secret", "--token", env={"APP_SECRET": "wrong-secret"})
    assert (r.code, r.out) == (1, "")
    assert r.err.startswith("error: secret: cannot get an access token: AADSTS7000215: invalid client secret\n")


def test_output_replaces_a_symlink_instead_of_following_it(box: Sandbox, world: ExampleWorld, tmp_path: Path) -> None:
    profiles = write_profiles(tmp_path, all_credentials(world, tmp_path))
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    link = tmp_path / "vars.env"
    link.symlink_to(victim)
    r = cli(box, profiles, "export", "secret", "--format", "dotenv", "-o", str(link))
    assert r.code == 0, r.err
    assert victim.read_text() == "untouched"
    assert not link.is_symlink() and "AZURE_CLIENT_SECRET=sandbox-secret-contoso-1\n" in link.read_text()
    assert stat.S_IMODE(link.stat().st_mode) == 0o600
    assert sorted(os.listdir(tmp_path)) == sorted(["home", "profiles.yaml", "store", "victim.txt", "vars.env"])


def test_token_and_check_retry_and_keep_to_the_timeout(box: Sandbox, world: ExampleWorld, tmp_path: Path) -> None:
    profiles = write_profiles(tmp_path, all_credentials(world, tmp_path))
    box.set_faults({"rules": [{"endpoint": "token", "action": "status", "status": 429, "retry_after": 0, "count": 2}]})
    r = cli(box, profiles, "export", "secret", "--token", "--format", "json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["AZURE_ACCESS_TOKEN"].startswith("eyJ")
    box.set_faults({"rules": [{"endpoint": "token", "action": "status", "status": 429, "retry_after": 0, "count": 2}]})
    r = cli(box, profiles, "export", "secret", "--token", "--retries", "0")
    assert r.code == 1 and "cannot get an access token" in r.err and "HTTP 429" in r.err, r.err
    box.set_faults({"rules": [{"endpoint": "token", "action": "slow", "delay_ms": 5000}]})
    try:
        for extra in (["--token"], ["--check"]):
            r = cli(box, profiles, "export", "secret", *extra, "--timeout", "1.5")
            assert r.code == 1 and "timed out after 1.5 s waiting for the token endpoint at " in r.err, r.err
    finally:
        box.set_faults({"rules": []})
