"""A value that came from `${env:}`, `${file:}` or Key Vault is data: never parsed for references again,
never quoted in a problem (it may be a secret), only named by where it came from."""

from __future__ import annotations

import json
from pathlib import Path

from clirunner import run_cli
from hostile import APP, TENANT, one_profile

from entra_profiles.sandbox import Sandbox

VAULT = "https://contoso-ops.vault.azure.net"
CANARY = "CANARY-vault-value-5d1f"  # the vault's canary-secret: read only if a value is parsed twice


def exported(box: Sandbox, path: Path, env: dict[str, str]) -> tuple[int, dict[str, str], str]:
    r = run_cli("-f", str(path), "export", "app", "--format", "json", "--sandbox", str(box.state_dir), env=env)
    return r.code, json.loads(r.out) if r.code == 0 else {}, r.err


def test_a_reference_inside_an_environment_value_is_not_read(box: Sandbox, tmp_path: Path) -> None:
    reference = f"${{keyvault:{VAULT}/secrets/canary-secret}}"
    path = one_profile(
        tmp_path, '{type: client_secret, secret: "${env:X}"}', "    keyvault_credential: managed_identity\n"
    )
    code, variables, err = exported(box, path, {"X": reference})
    assert (code, err) == (0, "")
    assert variables["AZURE_CLIENT_SECRET"] == reference
    app_service = "@Microsoft.KeyVault(VaultName=contoso-ops;SecretName=canary-secret)"
    code, variables, _ = exported(box, path, {"X": app_service})
    assert variables["AZURE_CLIENT_SECRET"] == app_service


def test_a_reference_inside_a_file_value_next_to_a_real_one_is_not_read(box: Sandbox, tmp_path: Path) -> None:
    (tmp_path / "suffix.txt").write_text("@Microsoft.KeyVault(VaultName=contoso-ops;SecretName=canary-secret)\n")
    written = f"${{keyvault:{VAULT}/secrets/contoso-app-secret/{'a' * 32}}}"
    path = one_profile(
        tmp_path,
        f'{{type: client_secret, secret: "{written}${{file:suffix.txt}}${{env:X}}"}}',
        "    keyvault_credential: managed_identity\n",
    )
    code, variables, err = exported(box, path, {"X": f"${{keyvault:{VAULT}/secrets/canary-secret}}"})
    assert (code, err) == (0, "")
    assert variables["AZURE_CLIENT_SECRET"] == (
        "sandbox-secret-contoso-1@Microsoft.KeyVault(VaultName=contoso-ops;SecretName=canary-secret)"
        f"${{keyvault:{VAULT}/secrets/canary-secret}}"
    )
    assert CANARY not in json.dumps(variables)


def test_a_value_that_looks_like_a_reference_is_checked_as_data(tmp_path: Path) -> None:
    path = one_profile(
        tmp_path, "{type: client_secret, secret: s3cret}", "    scopes: [https://graph.microsoft.com/.default]\n"
    )
    path.write_text(path.read_text().replace(TENANT, '"${env:T}"'))
    r = run_cli("-f", str(path), "validate", env={"T": f"${{keyvault:{VAULT}/secrets/canary-secret}}"})
    assert (r.code, r.out) == (1, "")
    assert r.err == (
        f"{path}:4:13: profiles.app.tenant: a referenced value is not valid here: "
        "the value of ${env:T} is neither a tenant id (GUID) nor a domain name\n1 problem found\n"
    )


def test_extends_and_group_members_from_references_are_named_never_shown(tmp_path: Path) -> None:
    secret = "root:$6$TOPSECRET-hash:19000"
    (tmp_path / "shadow").write_text(secret + "\n")
    path = tmp_path / "profiles.yaml"
    path.write_text(
        f"""version: 1
keyvault_credential: "profile:${{env:S}}"
profiles:
  a:
    extends: ${{file:shadow}}
    tenant: contoso.onmicrosoft.com
    client_id: {APP}
    credential: {{type: client_secret, secret: "${{keyvault:{VAULT}/secrets/s}}"}}
  b:
    extends: ["${{env:S}}"]
    tenant: contoso.onmicrosoft.com
    client_id: {APP}
    credential: {{type: client_secret, secret: s3cret}}
groups:
  g: ["${{env:S}}", "tag:${{file:shadow}}", a]
""",
        encoding="utf-8",
    )
    for fmt in ("text", "json", "github"):
        r = run_cli("-f", str(path), "validate", "--format", fmt, env={"S": secret})
        assert r.code == 1
        assert "TOPSECRET" not in r.out + r.err
    r = run_cli("-f", str(path), "validate", env={"S": secret})
    assert r.err == (
        f"{path}:2:22: keyvault_credential: the value of ${{env:S}} is not a Key Vault credential\n"
        "  hint: use profile:NAME, managed_identity, managed_identity:CLIENT_ID, workload_identity or environment\n"
        f"{path}:5:14: profiles.a.extends: extends unknown template or profile the value of ${{file:shadow}}\n"
        "  hint: name a template (under templates:) or another profile\n"
        f"{path}:10:15: profiles.b.extends[0]: extends unknown template or profile the value of ${{env:S}}\n"
        "  hint: name a template (under templates:) or another profile\n"
        f"{path}:15:7: groups.g[0]: unknown group member the value of ${{env:S}}\n"
        "  hint: members are profile names, group names or tag:NAME\n"
        f"{path}:15:19: groups.g[1]: no profile has the tag in the value of ${{file:shadow}}\n"
        "  hint: members are profile names, group names or tag:NAME\n"
        "5 problems found\n"
    )
