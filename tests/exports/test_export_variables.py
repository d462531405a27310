"""Which variables each credential and cloud yields, per consumer; private files and atomic writes."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from entra_profiles.clouds import BUILTIN
from entra_profiles.config.models import Profile
from entra_profiles.errors import UsageError
from entra_profiles.exports.atomic import write_private
from entra_profiles.exports.base import ExportError
from entra_profiles.exports.material import Material
from entra_profiles.exports.tempfiles import PrivateFiles
from entra_profiles.exports.variables import parse_sets, profile_variables
from entra_profiles.routing import route_for

APP = "0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811"
UAMI = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
TENANT = "7f0c1c5e-3d2a-4b8e-9f10-0a1b2c3d4e5f"  # contoso.onmicrosoft.com's GUID, as tenant.py resolves it


def variables(
    credential: dict[str, Any], sets: str, tmp_path: Path, cloud: str = "Global", **more: str
) -> dict[str, str]:
    data = {"tenant": "contoso.onmicrosoft.com", "cloud": cloud, "credential": credential, **more}
    if credential["type"] != "managed_identity":
        data["client_id"] = APP
    profile = Profile.model_validate(data)
    route = route_for(BUILTIN[cloud], None)
    with PrivateFiles({}) as files:
        material = Material(tmp_path, route, files, None, {})
        found = profile_variables(profile, BUILTIN[cloud], route, parse_sets(sets), material, tenant_id=TENANT)
    return {v.name: v.value for v in found}


def test_secret_in_every_cloud_and_both_terraform_spellings(tmp_path: Path) -> None:
    secret = {"type": "client_secret", "secret": "s3cret"}
    spelled = {
        cloud: (
            variables(secret, "terraform", tmp_path, cloud)["ARM_ENVIRONMENT"],
            variables(secret, "terraform-azuread", tmp_path, cloud)["ARM_ENVIRONMENT"],
            variables(secret, "azure-identity", tmp_path, cloud).get("AZURE_AUTHORITY_HOST"),
        )
        for cloud in BUILTIN
    }
    assert spelled == {
        "Global": ("public", "global", None),
        "USGov": ("usgovernment", "usgovernmentl4", "https://login.microsoftonline.us"),
        "USGovDoD": ("usgovernment", "usgovernmentl5", "https://login.microsoftonline.us"),
        "China": ("china", "china", "https://login.chinacloudapi.cn"),
    }
    assert variables(secret, "azure-identity", tmp_path) == {
        "AZURE_TENANT_ID": TENANT,
        "AZURE_CLIENT_ID": APP,
        "AZURE_CLIENT_SECRET": "s3cret",
    }


def test_managed_identity(tmp_path: Path) -> None:
    assert variables({"type": "managed_identity"}, "all", tmp_path) == {
        "AZURE_TENANT_ID": TENANT,
        "ARM_TENANT_ID": TENANT,
        "ARM_USE_MSI": "true",
        "ARM_ENVIRONMENT": "public",
    }
    got = variables({"type": "managed_identity", "client_id": UAMI}, "all", tmp_path)
    assert (got["AZURE_CLIENT_ID"], got["ARM_CLIENT_ID"], got["ARM_USE_MSI"]) == (UAMI, UAMI, "true")
    with pytest.raises(ExportError) as caught:
        variables({"type": "managed_identity", "object_id": UAMI}, "azure-identity", tmp_path)
    assert caught.value.format() == (
        "a managed identity chosen by object_id cannot be exported: "
        "azure-identity and Terraform read a user-assigned identity's client id only\n"
        "  hint: name the identity by client_id in the profile"
    )


def test_workload_identity_token_file_used_in_place(tmp_path: Path) -> None:
    got = variables({"type": "workload_identity", "token_file": "ci/token"}, "all", tmp_path)
    assert got["AZURE_FEDERATED_TOKEN_FILE"] == got["ARM_OIDC_TOKEN_FILE_PATH"] == str(tmp_path / "ci/token")
    assert got["ARM_USE_OIDC"] == "true"


def test_github_source_outside_ci_says_what_is_missing(tmp_path: Path) -> None:
    from entra_profiles.credentials.ci_tokens import CiTokenUnavailable

    with pytest.raises(CiTokenUnavailable) as caught:
        variables({"type": "workload_identity", "github": True}, "terraform", tmp_path)
    assert caught.value.message == (
        "GitHub Actions OIDC is not available: ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN are not set"
    )


def test_parse_sets() -> None:
    assert parse_sets("all") == ("azure-identity", "terraform")
    assert parse_sets(" Terraform , azure-identity,terraform") == ("terraform", "azure-identity")
    with pytest.raises(UsageError) as caught:
        parse_sets("terraform,terraform-azuread")
    assert caught.value.message == "--vars terraform and terraform-azuread both set ARM_ENVIRONMENT; choose one"


def test_private_files_modes_runner_temp_and_removal(tmp_path: Path) -> None:
    runner = tmp_path / "runner"
    runner.mkdir()
    with PrivateFiles({"RUNNER_TEMP": str(runner)}) as files:
        assert files.folder is None  # nothing is created until a file is needed
        path = files.write("certificate.pem", b"key")
        assert path.parent.parent == runner
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700 and stat.S_IMODE(path.stat().st_mode) == 0o600
        with pytest.raises(FileExistsError):
            files.write("certificate.pem", b"again")
    assert not path.parent.exists()
    assert PrivateFiles({"RUNNER_TEMP": str(tmp_path / "missing")}).base != tmp_path / "missing"


def test_kept_files_survive_unless_the_block_failed(tmp_path: Path) -> None:
    with PrivateFiles({"RUNNER_TEMP": str(tmp_path)}) as files:
        kept = files.write("a", b"x")
        files.keep()
    assert kept.exists()
    with pytest.raises(RuntimeError), PrivateFiles({"RUNNER_TEMP": str(tmp_path)}) as files:
        failed = files.write("a", b"x")
        files.keep()
        raise RuntimeError
    assert not failed.exists()


def test_atomic_write_mode_and_no_leftovers(tmp_path: Path) -> None:
    target = tmp_path / "vars.env"
    target.write_text("old")
    os.chmod(target, 0o644)
    write_private(target, "new\n")
    assert target.read_text() == "new\n" and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(os.listdir(tmp_path)) == ["home", "vars.env"]
    with pytest.raises(ExportError) as caught:
        write_private(tmp_path / "no-such-dir" / "x", "y")
    assert caught.value.message == f"cannot write {tmp_path}/no-such-dir/x: No such file or directory"
    with pytest.raises(ExportError) as caught:
        write_private(tmp_path, "y")
    assert caught.value.message == f"cannot write {tmp_path}: it is a folder"


def test_a_stale_access_token_is_owned_and_so_removed_or_unset() -> None:
    from entra_profiles.exports.variables import owned

    assert {"AZURE_ACCESS_TOKEN", "AZURE_ACCESS_TOKEN_EXPIRES_ON"} <= set(owned(("azure-identity",)))


def test_a_subscription_goes_to_terraform_and_to_azure_tools(tmp_path: Path) -> None:
    from entra_profiles.exports.variables import owned

    sub = "3b4c5d6e-7f80-4a91-b2c3-d4e5f6a7b8c9"
    secret = {"type": "client_secret", "secret": "s3cret"}
    got = variables(secret, "all", tmp_path, subscription_id=sub.upper())
    assert (got["ARM_SUBSCRIPTION_ID"], got["AZURE_SUBSCRIPTION_ID"]) == (sub, sub)  # a GUID, lower case
    identity = variables({"type": "managed_identity"}, "terraform-azuread", tmp_path, subscription_id=sub)
    assert identity["ARM_SUBSCRIPTION_ID"] == sub
    assert "ARM_SUBSCRIPTION_ID" not in variables(secret, "terraform", tmp_path)  # none named, none written
    assert {"ARM_SUBSCRIPTION_ID"} <= set(owned(("terraform",)))  # a stale one is unset / removed
    assert {"AZURE_SUBSCRIPTION_ID", "AZURE_POD_IDENTITY_AUTHORITY_HOST"} <= set(owned(("azure-identity",)))


def test_atomic_write_refuses_devices_fifos_and_links_to_them(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    link = tmp_path / "stdout"
    link.symlink_to("/dev/null")  # as /dev/stdout is a link to a device or a pipe
    for target in (fifo, link, Path("/dev/null")):
        with pytest.raises(ExportError) as caught:
            write_private(target, "AZURE_CLIENT_SECRET=x\n")
        why = (
            "a link to a device or an open file descriptor, not a file"
            if target == link
            else ("not a regular file, and -o replaces the file it names")
        )
        assert caught.value.message == f"cannot write {target}: it is {why}"
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and link.is_symlink() and stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert sorted(os.listdir(tmp_path)) == ["fifo", "home", "stdout"]
