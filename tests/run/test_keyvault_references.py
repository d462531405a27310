"""Key Vault references resolved with the real SecretClient against the sandbox's vault."""

from __future__ import annotations

from pathlib import Path

from clirunner import run_cli
from runsupport import AUTOMATION, RunProfiles, by_name

from entra_profiles.sandbox import Sandbox

VAULT = "https://contoso-ops.vault.azure.net"
FABRIKAM_APP = "6d7e8f90-a1b2-4c3d-9e4f-5a6b7c8d9e0f"
UNCONSENTED = "3c2d1e0f-9a8b-4c7d-8e6f-5a4b3c2d1e0f"


def contoso(name: str, secret: str, extra: str = "") -> str:
    return f"""  {name}:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    credential: {{type: client_secret, secret: "{secret}"}}
{extra}"""


FABRIKAM = f"""  fabrikam:
    tenant: fabrikam.onmicrosoft.com
    client_id: {FABRIKAM_APP}
    credential: {{type: client_secret, secret: sandbox-secret-fabrikam-1}}
"""


def vault_reads(box: Sandbox) -> list[dict[str, object]]:
    return [r for r in box.request_log() if str(r.get("path", "")).startswith("/vaults/")]


def test_secret_latest_by_version_and_app_service_forms(run_profiles: RunProfiles) -> None:
    profiles = (
        contoso("by-version", f"${{keyvault:{VAULT}/secrets/contoso-app-secret/{'a' * 32}}}")
        + contoso("latest", f"${{keyvault:{VAULT}/secrets/contoso-app-secret}}")
        + contoso("secret-uri", f"@Microsoft.KeyVault(SecretUri={VAULT}/secrets/contoso-app-secret/{'a' * 32})")
        + contoso(
            "vault-name",
            f"@Microsoft.KeyVault(VaultName=contoso-ops;SecretName=contoso-app-secret;SecretVersion={'a' * 32})",
        )
    )
    r = run_profiles(profiles, "--format", "json")
    got = {n: p["status"] if p["status"] == "ok" else p["error"]["code"] for n, p in by_name(r).items()}
    assert got == {"by-version": "ok", "latest": "AADSTS7000215", "secret-uri": "ok", "vault-name": "ok"}
    assert "sandbox-secret-contoso-1" not in r.out + r.err and "rotated-but-not-registered" not in r.out + r.err


def test_embedded_reference(run_profiles: RunProfiles, tmp_path: Path) -> None:
    # The secret value is assembled from a literal prefix and a vault value.
    r = run_profiles(contoso("p", f"sandbox-secret-${{keyvault:{VAULT}/secrets/suffix}}"), "--format", "json")
    assert by_name(r)["p"]["error"]["message"].endswith(f"Key Vault secret 'suffix' in {VAULT}: not found")


def test_failures_name_the_place_the_vault_the_secret_and_the_reason(run_profiles: RunProfiles) -> None:
    profiles = (
        contoso("missing", f"${{keyvault:{VAULT}/secrets/no-such-secret}}")
        + contoso("disabled", f"${{keyvault:{VAULT}/secrets/disabled-secret}}")
        + contoso(
            "denied", f"${{keyvault:{VAULT}/secrets/fabrikam-secret}}", "    keyvault_credential: profile:other\n"
        )
        + contoso(
            "foreign", f"${{keyvault:{VAULT}/secrets/fabrikam-secret}}", "    keyvault_credential: profile:fabrikam\n"
        )
        + FABRIKAM
        + f"""  other:
    tenant: contoso.onmicrosoft.com
    client_id: {UNCONSENTED}
    credential: {{type: client_secret, secret: sandbox-secret-unconsented}}
"""
    )
    r = run_profiles(profiles, "--format", "json")
    got = by_name(r)
    assert got["missing"]["error"] == {
        "code": "keyvault_not_found",
        "message": f"{r.file}:6:47: profiles.missing.credential.secret: Key Vault secret 'no-such-secret' in "
        f"{VAULT}: not found",
        "hint": "check the secret name and version, and the vault",
    }
    assert got["disabled"]["error"]["code"] == "keyvault_disabled"
    assert got["disabled"]["error"]["message"].endswith(
        "'disabled-secret' in https://contoso-ops.vault.azure.net: the secret is disabled"
    )
    assert got["denied"]["error"]["message"].endswith(
        f"Key Vault secret 'fabrikam-secret' in {VAULT}: forbidden for profile other (client id {UNCONSENTED})"
    )
    assert got["foreign"]["error"]["message"].endswith(
        f"profile fabrikam (client id {FABRIKAM_APP}) could not sign in: "
        "AADSTS700016: application not found in the tenant"
    )
    assert got["fabrikam"]["status"] == "ok"


def test_expired_secret_refused_by_a_strict_vault(run_profiles: RunProfiles) -> None:
    strict = "https://contoso-strict.vault.azure.net/secrets/expired-secret"
    profiles = contoso("e", f"${{keyvault:{strict}}}", "    keyvault_credential: profile:reader\n") + contoso(
        "reader", "sandbox-secret-contoso-1"
    )
    r = run_profiles(profiles, "--format", "json", "e")
    assert by_name(r)["e"]["error"]["code"] == "keyvault_expired"


def test_vault_outside_the_clouds_suffix_is_refused_before_any_request(run_profiles: RunProfiles, box: Sandbox) -> None:
    before = len(box.request_log())
    r = run_profiles(
        contoso("evil", "${keyvault:https://contoso-ops.vault.evil.example/secrets/fabrikam-secret}"),
        "--format",
        "json",
    )
    error = by_name(r)["evil"]["error"]
    assert error["code"] == "keyvault_host_refused"
    assert error["message"].endswith(
        "vault host contoso-ops.vault.evil.example is not a Key Vault of the Global cloud (*.vault.azure.net); "
        "the reference was refused and no token was sent"
    )
    assert len(box.request_log()) == before  # not even a token request


def test_profile_reader_cycle(run_profiles: RunProfiles) -> None:
    profiles = contoso("a", f"${{keyvault:{VAULT}/secrets/fabrikam-secret}}", "    keyvault_credential: profile:b\n")
    profiles += contoso("b", f"${{keyvault:{VAULT}/secrets/fabrikam-secret}}", "    keyvault_credential: profile:a\n")
    r = run_profiles(profiles, "--format", "json", "a")  # found by reading the file: nothing is sent
    assert (r.code, r.out) == (1, "")
    assert f"{r.file}:7:26: profiles.a.keyvault_credential: keyvault_credential cycle: profile:a → " in r.err


def test_reader_profile_whose_own_secret_is_in_a_vault(run_profiles: RunProfiles) -> None:
    profiles = contoso(
        "user",
        f"${{keyvault:{VAULT}/secrets/contoso-app-secret/{'a' * 32}}}",
        "    keyvault_credential: profile:reader\n",
    )
    profiles += contoso("reader", f"${{keyvault:{VAULT}/secrets/contoso-app-secret/{'a' * 32}}}")
    r = run_profiles(profiles, "--format", "json")
    assert r.code == 0, r.out


def sharing_20_secrets() -> str:
    """200 profiles whose secrets are 20 Key Vault secrets, each referenced by 10 of them."""
    return "".join(
        f"""  p{i}:
    tenant: fabrikam.onmicrosoft.com
    client_id: {FABRIKAM_APP}
    credential: {{type: client_secret, secret: "${{keyvault:{VAULT}/secrets/shared-{i % 20}}}"}}
"""
        for i in range(200)
    )


def test_each_distinct_secret_is_read_once(run_profiles: RunProfiles, box: Sandbox) -> None:
    profiles = sharing_20_secrets()
    before = len(vault_reads(box))
    r = run_profiles(profiles, "--format", "json", "--concurrency", "32")
    assert r.code == 0, r.out[-500:]
    reads = vault_reads(box)[before:]
    assert len([x for x in reads if x["status"] == 200]) == 20
    assert {x["status"] for x in reads} <= {200, 401}  # the rest are bearer challenges


def test_key_vault_requests_are_the_distinct_secrets_one_challenge_and_one_token(
    run_profiles: RunProfiles, box: Sandbox
) -> None:
    """200 profiles sharing 20 secrets: 20 reads, the vault's challenge once, the reader's token once
    (read all at once, every read met the challenge and asked for a token: 52 requests)."""
    profiles = sharing_20_secrets()
    before = len(box.request_log())
    r = run_profiles(profiles, "--format", "json")
    assert r.code == 0, r.out[-500:]
    log = box.request_log()[before:]
    vault = [x for x in log if x["path"].startswith("/vaults/")]
    signing_in = [x for x in log if x["kind"] == "managed_identity"]
    assert (len([x for x in vault if x["status"] == 200]), len([x for x in vault if x["status"] == 401])) == (20, 1)
    assert len(signing_in) == 1
    assert len(vault) + len(signing_in) == 22


def test_validate_resolve_reports_every_failure_without_values(box: Sandbox, tmp_path: Path) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text(
        "version: 1\nprofiles:\n"
        + contoso("ok", f"${{keyvault:{VAULT}/secrets/fabrikam-secret}}")
        + contoso("missing", f"${{keyvault:{VAULT}/secrets/no-such-secret}}")
    )
    offline = run_cli("-f", str(path), "validate")
    assert offline.code == 0 and "2 Key Vault references checked offline" in offline.out
    r = run_cli("-f", str(path), "validate", "--resolve", "--sandbox", str(box.state_dir))
    assert r.code == 1
    assert r.err.splitlines()[0] == (
        f"{path}:10:47: profiles.missing.credential.secret: Key Vault secret 'no-such-secret' in {VAULT}: not found"
    )
    assert "sandbox-secret-fabrikam-1" not in r.out + r.err


def test_resolve_shows_sources_and_masks_secrets(box: Sandbox, tmp_path: Path) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text("version: 1\nprofiles:\n" + contoso("p", f"${{keyvault:{VAULT}/secrets/fabrikam-secret}}"))
    r = run_cli("-f", str(path), "resolve", "p", "--sandbox", str(box.state_dir), "--format", "json")
    assert r.code == 0, r.err
    fields = {f["field"]: f for f in __import__("json").loads(r.out)["fields"]}
    assert fields["credential.secret"]["value"] == "***"
    assert fields["credential.secret"]["source"].startswith(f"keyvault:{VAULT}/secrets/fabrikam-secret (version ")
    assert fields["tenant"] == {
        "field": "tenant",
        "value": "contoso.onmicrosoft.com",
        "written": f"{path}:4:13",
        "at": "profiles.p.tenant",
        "source": "literal",
    }
    assert "sandbox-secret-fabrikam-1" not in r.out + r.err


def test_validate_refuses_a_foreign_vault_host_offline(tmp_path: Path) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text(
        "version: 1\nprofiles:\n" + contoso("p", "${keyvault:https://ops.vault.azure.net.evil.example/secrets/s}")
    )
    r = run_cli("-f", str(path), "validate")
    assert r.code == 1
    assert r.err.splitlines()[0] == (
        f"{path}:6:47: profiles.p.credential.secret: vault host ops.vault.azure.net.evil.example is not a Key Vault "
        "of the Global cloud (*.vault.azure.net); the reference was refused and no token was sent"
    )


def test_values_from_a_vault_meet_the_fields_checks(run_profiles: RunProfiles) -> None:
    profiles = f"""  p:
    tenant: contoso.onmicrosoft.com
    client_id: "${{keyvault:{VAULT}/secrets/fabrikam-secret}}"
    credential: {{type: client_secret, secret: sandbox-secret-contoso-1}}
"""
    r = run_profiles(profiles, "--format", "json")
    error = by_name(r)["p"]["error"]
    assert error["code"] == "keyvault_value"
    assert error["message"] == (
        f"{r.file}:5:16: profiles.p.client_id: the value read from Key Vault is not valid here: "
        "it is not a GUID (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"
    )


def test_every_failing_reference_is_reported(box: Sandbox, tmp_path: Path) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text(
        "version: 1\nprofiles:\n"
        + contoso("p", f"${{keyvault:{VAULT}/secrets/no-such-secret}}")
        + f'    description: "${{keyvault:{VAULT}/secrets/disabled-secret}}"\n'
    )
    r = run_cli("-f", str(path), "validate", "--resolve", "--sandbox", str(box.state_dir))
    assert r.code == 1
    lines = [line for line in r.err.splitlines() if not line.startswith("  hint")]
    assert lines == [
        f"{path}:6:47: profiles.p.credential.secret: Key Vault secret 'no-such-secret' in {VAULT}: not found",
        f"{path}:7:18: profiles.p.description: Key Vault secret 'disabled-secret' in {VAULT}: the secret is disabled",
        "2 problems found",
    ]
