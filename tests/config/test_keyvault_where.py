"""A Key Vault reference stands only where it is read when a profile connects. In a custom cloud's
endpoint it passed `validate` and `run` sent msal to "https://${keyvault:…}/…"; in groups, a cloud name,
extends, keyvault_credential or a credential's type it was taken as its own text. Each is now one located
problem saying where references may stand."""

from __future__ import annotations

from pathlib import Path

from clirunner import run_cli

REF = "${keyvault:https://kv.vault.azure.net/secrets/x}"
WHERE = (
    "  hint: a Key Vault reference may stand in a profile's (a template's, the defaults') tenant, client_id, "
    "description, expect.tenant and credential fields, read when it connects; here write the value, or an "
    "${env:…} or ${file:…} reference"
)
NOT_HERE = "Key Vault references are not allowed here: this value is read when the file is loaded"


def test_a_reference_in_a_cloud_endpoint_is_a_problem_before_any_request(tmp_path: Path) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text(
        f"""version: 1
clouds:
  lab:
    authority_host: "https://x.lab.test/{REF}"
    graph_endpoint: https://127.0.0.1:9
    keyvault_suffix: vault.lab.test
profiles:
  a:
    tenant: 7f0c1c5e-3d2a-4b8e-9f10-0a1b2c3d4e5f
    client_id: 0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811
    cloud: lab
    credential: {{type: client_secret, secret: sandbox-secret-contoso-1}}
""",
        encoding="utf-8",
    )
    r = run_cli("-f", str(path), "validate")
    assert (r.code, r.err) == (1, f"{path}:4:21: clouds.lab.authority_host: {NOT_HERE}\n{WHERE}\n1 problem found\n")
    r = run_cli("-f", str(path), "run", "--timeout", "10")
    assert r.code == 1 and "Your given address" not in r.out + r.err and NOT_HERE in r.err


def test_every_place_read_when_the_file_is_loaded_refuses_a_reference(tmp_path: Path) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text(
        f"""version: 1
keyvault_credential: "{REF}"
profiles:
  a:
    tenant: "{REF}"
    client_id: "{REF}"
    description: "{REF}"
    cloud: "{REF}"
    extends: "{REF}"
    keyvault_credential: "{REF}"
    expect: {{tenant: "{REF}", warn_within: "{REF}"}}
    credential: {{type: "{REF}", secret: "{REF}"}}
groups:
  g: ["{REF}"]
""",
        encoding="utf-8",
    )
    r = run_cli("-f", str(path), "validate")
    located = [line.split(": ", 2)[:2] for line in r.err.splitlines() if line.startswith(str(path))]
    assert [(where.removeprefix(f"{path}:"), at) for where, at in located] == [
        ("2:22", "keyvault_credential"),
        ("8:12", "profiles.a.cloud"),
        ("9:14", "profiles.a.extends"),
        ("10:26", "profiles.a.keyvault_credential"),
        ("11:87", "profiles.a.expect.warn_within"),
        ("12:24", "profiles.a.credential.type"),
        ("14:7", "groups.g[0]"),
    ]
    assert r.err.count(NOT_HERE) == 7 and r.err.endswith("7 problems found\n")
