"""`run` end to end through the CLI: secrets, managed identity and workload identity on the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from runsupport import AUTOMATION, CONTOSO, RunProfiles, by_name, report

from entra_profiles.aadsts import explain
from entra_profiles.sandbox import Sandbox

SECRET = f"""  app:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    credential: {{type: client_secret, secret: "${{env:APP_SECRET}}"}}
"""


def test_client_secret_single_profile_text_report(run_profiles: RunProfiles) -> None:
    r = run_profiles(SECRET, env={"APP_SECRET": "sandbox-secret-contoso-1"})
    assert r.code == 0, r.err
    lines = dict(line.split(" : ", 1) for line in r.out.splitlines() if " : " in line)
    assert lines["Profile               "].strip() == "app"
    assert lines["ClientId              "] == AUTOMATION
    assert lines["TenantId              "] == CONTOSO
    assert lines["Scopes                "] == "{User.Read.All, Group.Read.All, Application.Read.All}"
    assert lines["AuthType              "] == "AppOnly"
    assert lines["TokenCredentialType   "] == "ClientSecret"
    assert lines["AppName               "] == "Contoso Automation"
    assert lines["ContextScope          "] == "Process"
    assert lines["Environment           "] == "Global"
    assert "sandbox-secret-contoso-1" not in r.out + r.err


def test_json_report_shape(run_profiles: RunProfiles) -> None:
    r = run_profiles(SECRET, "--format", "json", env={"APP_SECRET": "sandbox-secret-contoso-1"})
    doc = report(r)
    assert doc["summary"] == {"ok": 1, "warn": 0, "failed": 0, "total": 1}
    p = doc["profiles"][0]
    assert (p["name"], p["status"], p["error"], p["warnings"]) == ("app", "ok", None, [])
    assert list(p["context"]) == [
        "ClientId", "TenantId", "Scopes", "AuthType", "TokenCredentialType", "CertificateThumbprint",
        "CertificateName", "CertificateSubjectName", "CertificateNotAfter", "SendCertificateChain", "Account",
        "ManagedIdentityId", "AppName", "ContextScope", "Environment", "TokenExpiresOn",
    ]  # fmt: skip
    assert (p["context"]["CertificateName"], p["context"]["Account"]) == (None, None)  # a secret, app-only


def test_yaml_report(run_profiles: RunProfiles) -> None:
    r = run_profiles(SECRET, "--format", "yaml", env={"APP_SECRET": "sandbox-secret-contoso-1"})
    assert r.code == 0 and "summary:\n  ok: 1\n  warn: 0\n  failed: 0\n  total: 1" in r.out


def test_wrong_secret(run_profiles: RunProfiles) -> None:
    r = run_profiles(SECRET, env={"APP_SECRET": "not-the-secret"})
    assert r.code == 1
    assert r.out.splitlines()[-2:] == [
        "error: app: AADSTS7000215: invalid client secret",
        "  hint: use the secret's Value, not its Secret ID; or the secret was rotated",
    ]
    assert r.err == ""


def test_expired_secret(run_profiles: RunProfiles) -> None:
    r = run_profiles(SECRET, "--format", "json", env={"APP_SECRET": "sandbox-secret-contoso-old"})
    assert by_name(r)["app"]["error"] == {
        "code": "AADSTS7000222",
        "message": "AADSTS7000222: the client secret has expired",
        "hint": "create a new client secret for the app and update the reference",
    }


def test_unknown_tenant_and_app_in_wrong_tenant(run_profiles: RunProfiles) -> None:
    profiles = f"""  nowhere:
    tenant: nowhere.onmicrosoft.com
    client_id: {AUTOMATION}
    credential: {{type: client_secret, secret: sandbox-secret-contoso-1}}
  wrong-tenant:
    tenant: fabrikam.onmicrosoft.com
    client_id: {AUTOMATION}
    credential: {{type: client_secret, secret: sandbox-secret-contoso-1}}
"""
    r = run_profiles(profiles, "--format", "json")
    errors = {n: p["error"]["code"] for n, p in by_name(r).items()}
    assert errors == {"nowhere": "AADSTS90002", "wrong-tenant": "AADSTS700016"}
    assert by_name(r)["nowhere"]["error"]["hint"].startswith(  # the sandbox's world lacks it
        "the sandbox's seed has no tenant nowhere.onmicrosoft.com (it has: contoso.onmicrosoft.com"
    )
    assert by_name(r)["wrong-tenant"]["error"]["hint"] == explain("700016")[1]  # it has that tenant: as Entra's


def test_no_consent_warns(run_profiles: RunProfiles) -> None:
    profiles = """  unconsented:
    tenant: contoso.onmicrosoft.com
    client_id: 3c2d1e0f-9a8b-4c7d-8e6f-5a4b3c2d1e0f
    credential: {type: client_secret, secret: sandbox-secret-unconsented}
"""
    r = run_profiles(profiles, "--format", "json")
    p = by_name(r)["unconsented"]
    assert r.code == 0 and p["context"]["Scopes"] == []
    assert p["warnings"] == [
        "the token carries no roles for https://graph.microsoft.com: admin consent is probably missing, and every "
        "call will fail with 403 (grant the app's application permissions and consent in the tenant)"
    ]
    vault = profiles + "    scopes: [https://vault.azure.net/.default]\n"  # Key Vault grants by RBAC: no roles
    assert by_name(run_profiles(vault, "--format", "json"))["unconsented"]["warnings"] == []


def test_expected_roles_missing_fails(run_profiles: RunProfiles) -> None:
    r = run_profiles(
        SECRET + "    expect: {roles: [User.Read.All, Directory.ReadWrite.All]}\n",
        "--format",
        "json",
        env={"APP_SECRET": "sandbox-secret-contoso-1"},
    )
    assert r.code == 1
    assert by_name(r)["app"]["error"]["message"] == (
        "required roles not granted: Directory.ReadWrite.All "
        "(granted: User.Read.All, Group.Read.All, Application.Read.All)"
    )


def test_managed_identities_every_kind(run_profiles: RunProfiles) -> None:
    uami = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
    res = (
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ops/providers/"
        "Microsoft.ManagedIdentity/userAssignedIdentities/ops-uami"
    )
    profiles = f"""  system:
    tenant: contoso.onmicrosoft.com
    credential: {{type: managed_identity}}
  by-client-id:
    tenant: contoso.onmicrosoft.com
    credential: {{type: managed_identity, client_id: {uami}}}
  by-object-id:
    tenant: contoso.onmicrosoft.com
    credential: {{type: managed_identity, object_id: 2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e}}
  by-resource-id:
    tenant: contoso.onmicrosoft.com
    credential: {{type: managed_identity, resource_id: "{res}"}}
"""
    r = run_profiles(profiles, "--format", "json")
    assert r.code == 0, r.out
    got = {
        n: (p["context"]["AuthType"], p["context"]["ManagedIdentityId"], p["context"]["Scopes"])
        for n, p in by_name(r).items()
    }
    assert got == {
        "system": ("ManagedIdentity", "system-assigned", ["User.Read.All"]),
        "by-client-id": ("ManagedIdentity", uami, ["Group.Read.All"]),
        "by-object-id": ("ManagedIdentity", "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e", ["Group.Read.All"]),
        "by-resource-id": ("ManagedIdentity", res, ["Group.Read.All"]),
    }


def test_workload_identity_github_token_file_and_mismatch(
    run_profiles: RunProfiles, box: Sandbox, tmp_path: Path
) -> None:
    token_file = tmp_path / "ci-token"
    token_file.write_text(box.mint_ci_token())
    profiles = f"""  github:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    credential: {{type: workload_identity, github: true}}
  token-file:
    tenant: {CONTOSO}
    client_id: {AUTOMATION}
    credential: {{type: workload_identity, token_file: "{token_file}"}}
"""
    r = run_profiles(profiles, "--format", "json")
    assert r.code == 0, r.out
    assert {p["context"]["TokenCredentialType"] for p in report(r)["profiles"]} == {"WorkloadIdentity"}
    box.set_ci_subject("repo:contoso/infra:pull_request")
    r = run_profiles(profiles, "--format", "json", "github")
    assert by_name(r)["github"]["error"]["code"] == "AADSTS70021"


def test_probe_reports_organization_or_graph_error(run_profiles: RunProfiles) -> None:
    profiles = (
        SECRET
        + """  unconsented:
    tenant: contoso.onmicrosoft.com
    client_id: 3c2d1e0f-9a8b-4c7d-8e6f-5a4b3c2d1e0f
    credential: {type: client_secret, secret: sandbox-secret-unconsented}
"""
    )
    r = run_profiles(profiles, "--probe", "--format", "json", env={"APP_SECRET": "sandbox-secret-contoso-1"})
    got = by_name(r)
    assert got["app"]["context"]["Organization"] == "Contoso"
    assert got["unconsented"]["error"]["code"] == "graph_403"


def test_workload_identity_azure_pipelines(run_profiles: RunProfiles) -> None:
    profiles = f"""  pipeline:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    credential:
      type: workload_identity
      azure_pipelines: true
      service_connection_id: 11111111-2222-3333-4444-555555555555
"""
    r = run_profiles(profiles, "--format", "json")
    assert r.code == 0, r.out
    assert by_name(r)["pipeline"]["context"]["TokenCredentialType"] == "WorkloadIdentity"


def test_sandbox_routes_every_cloud_without_changing_scopes(run_profiles: RunProfiles) -> None:
    profiles = "".join(
        f"""  {cloud.lower()}:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    cloud: {cloud}
    credential:
      type: client_secret
      secret: "${{keyvault:https://contoso-ops.{suffix}/secrets/contoso-app-secret/{"a" * 32}}}"
"""
        for cloud, suffix in [("USGov", "vault.usgovcloudapi.net"), ("China", "vault.azure.cn")]
    )
    r = run_profiles(profiles, "--format", "json")
    assert r.code == 0, r.out
    got = by_name(r)
    assert (got["usgov"]["context"]["Environment"], got["china"]["context"]["Environment"]) == ("USGov", "China")
    assert got["usgov"]["context"]["Scopes"] == ["User.Read.All", "Group.Read.All", "Application.Read.All"]


def run_alone(tmp_path: Path, name: str, credential: str) -> Any:
    """`run` of one contoso profile with `credential`, without a sandbox: the network guard sees any
    request that would leave this machine."""
    from clirunner import run_cli

    path = tmp_path / "profiles.yaml"
    path.write_text(
        f"version: 1\nprofiles:\n  {name}:\n    tenant: contoso.onmicrosoft.com\n    client_id: {AUTOMATION}\n"
        f"    credential: {credential}\n"
    )
    return run_cli("-f", str(path), "run", "--format", "json")


def test_workload_identity_github_outside_actions_is_unavailable(tmp_path: Path) -> None:
    r = run_alone(tmp_path, "github", "{type: workload_identity, github: true}")
    assert by_name(r)["github"]["error"] == {
        "code": "unavailable",
        "message": "GitHub Actions OIDC is not available: ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN are not set",
        "hint": "give the job `permissions: id-token: write`, and run inside GitHub Actions",
    }


def test_an_unknown_managed_identity_says_what_the_endpoint_said(run_profiles: RunProfiles, box: Sandbox) -> None:
    profiles = """  nobody:
    tenant: contoso.onmicrosoft.com
    credential: {type: managed_identity, client_id: 99999999-9999-4999-8999-999999999999}
"""
    error = by_name(run_profiles(profiles, "--format", "json"))["nobody"]["error"]
    assert error["code"] == "http_400"
    assert error["message"] == (
        f"the managed identity endpoint at {box.info['imds_authority_host']} answered HTTP 400: Identity not found"
    )
    assert error["hint"] == (
        "check the profile's credential client_id, object_id or resource_id: it must name an identity "
        "assigned to this resource (with none of the three, the system-assigned one is asked for)"
    )


def test_a_scope_for_an_unknown_resource_is_explained(run_profiles: RunProfiles) -> None:
    """AADSTS500011, as Entra answers for a resource with no service principal in the tenant: explained."""
    profiles = SECRET + "    scopes: [https://unknown.example/.default]\n"
    r = run_profiles(profiles, env={"APP_SECRET": "sandbox-secret-contoso-1"})
    assert r.code == 1
    meaning, hint = explain("500011")
    assert r.out.splitlines()[-2:] == [f"error: app: AADSTS500011: {meaning}", f"  hint: {hint}"]


def test_workload_identity_profiles_share_one_ci_token(run_profiles: RunProfiles, box: Sandbox) -> None:
    """A batch federating one app into many tenants asks the CI once for its token (as one login step
    serves a job), and signs in with msal directly: one discovery, one token request per profile."""
    profiles = "".join(
        f"""  wi{i}:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    credential: {{type: workload_identity, github: true}}
"""
        for i in range(6)
    )
    before = len(box.request_log())
    r = run_profiles(profiles, "--format", "json")
    assert r.code == 0, r.out
    kinds = [entry["kind"] for entry in box.request_log()[before:]]
    assert (kinds.count("oidc"), kinds.count("token")) == (1, 6)


def test_a_missing_token_file_fails_before_anything_is_asked(tmp_path: Path) -> None:
    r = run_alone(tmp_path, "k8s", "{type: workload_identity, token_file: gone/token}")
    assert by_name(r)["k8s"]["error"] == {
        "code": "unavailable",
        "message": f"cannot read the federated token file {tmp_path / 'gone/token'}: No such file or directory",
        "hint": "check token_file; in Kubernetes the workload identity webhook mounts it",
    }


def test_a_token_file_that_is_a_named_pipe_is_refused(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "pipe")
    r = run_alone(tmp_path, "k8s", "{type: workload_identity, token_file: pipe}")
    assert by_name(r)["k8s"]["error"] == {
        "code": "unavailable",
        "message": f"the federated token file {tmp_path / 'pipe'} is a named pipe (FIFO), not a regular file",
        "hint": "check token_file; in Kubernetes the workload identity webhook mounts it",
    }


def test_a_token_file_larger_than_any_token_is_refused_whole(tmp_path: Path) -> None:
    (tmp_path / "big").write_text("x" * (1 << 16) + "y")
    r = run_alone(tmp_path, "k8s", "{type: workload_identity, token_file: big}")
    assert by_name(r)["k8s"]["error"] == {
        "code": "unavailable",
        "message": f"the federated token file {tmp_path / 'big'} is larger than 64 KiB: not a token",
        "hint": "check token_file; in Kubernetes the workload identity webhook mounts it",
    }
