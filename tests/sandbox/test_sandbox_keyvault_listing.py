"""Key Vault as SecretClient meets it: the secret id it returns can be fetched as it is, and listings of
secrets and of a secret's versions are paged with `nextLink`."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError
from azure.identity import ClientSecretCredential
from azure.keyvault.secrets import KeyVaultSecretIdentifier, SecretClient
from sandbox_support import (
    AUTOMATION,
    AUTOMATION_SECRET,
    CONTOSO,
    UNCONSENTED,
    VAULT_SCOPE,
    azure_kwargs,
    session,
    vault_url,
)

from entra_profiles.sandbox import Sandbox

CONTOSO_OPS = [
    "fabrikam-secret", "automation-cert", "automation-cert-pem", "disabled-secret", "expired-secret", "rotated-secret",
]  # fmt: skip


def client(sb: Sandbox, credential: ClientSecretCredential, url: str | None = None) -> SecretClient:
    return SecretClient(
        url or vault_url(sb, "contoso-ops"), credential, verify_challenge_resource=False,
        connection_verify=sb.info["ca_bundle"],
    )  # fmt: skip


def automation(sb: Sandbox) -> ClientSecretCredential:
    return ClientSecretCredential(CONTOSO, AUTOMATION, AUTOMATION_SECRET, **azure_kwargs(sb))


def test_the_returned_id_can_be_fetched(sb: Sandbox) -> None:
    with automation(sb) as credential, client(sb, credential) as vault:
        secret = vault.get_secret("rotated-secret", "1111111111111111111111111111111a")
        token = credential.get_token(VAULT_SCOPE).token
    assert secret.id is not None
    with session(sb) as http:  # the id, fetched as it is, with the vault's api-version
        fetched = http.get(secret.id, params={"api-version": "7.5"}, headers={"Authorization": f"Bearer {token}"})
    assert fetched.status_code == 200, fetched.text
    assert (fetched.json()["value"], fetched.json()["id"]) == ("sandbox-secret-rotated-1", secret.id)
    parsed = KeyVaultSecretIdentifier(secret.id)
    with automation(sb) as credential, client(sb, credential, parsed.vault_url) as by_id:
        again = by_id.get_secret(parsed.name, parsed.version)
        latest = by_id.get_secret(parsed.name)
    assert again.value == "sandbox-secret-rotated-1"
    assert latest.value == "sandbox-secret-rotated-2"


def test_list_secrets_is_paged(sb: Sandbox) -> None:
    with automation(sb) as credential, client(sb, credential) as vault:
        pages = list(vault.list_properties_of_secrets(max_page_size=2).by_page())
        names = [[p.name for p in page] for page in pages]
        everything = [p.name for p in vault.list_properties_of_secrets()]
    assert names == [CONTOSO_OPS[0:2], CONTOSO_OPS[2:4], CONTOSO_OPS[4:6]]
    assert everything == CONTOSO_OPS
    pages_seen = [r for r in sb.request_log() if r["path"] == "/vaults/contoso-ops/secrets" and r["status"] == 200]
    assert len(pages_seen) >= 4  # three pages followed by nextLink, then one


def test_list_versions_is_paged_and_holds_no_values(sb: Sandbox) -> None:
    with automation(sb) as credential, client(sb, credential) as vault:
        versions = list(vault.list_properties_of_secret_versions("rotated-secret", max_page_size=1))
        by_id = client(sb, credential, KeyVaultSecretIdentifier(versions[0].id or "").vault_url)
        with by_id:
            again = [v.version for v in by_id.list_properties_of_secret_versions("rotated-secret")]
    assert [v.version for v in versions] == ["1111111111111111111111111111111a", "2222222222222222222222222222222b"]
    assert versions[1].tags == {"env": "prod"} and versions[0].enabled
    assert again == [v.version for v in versions]
    with automation(sb) as credential:
        token = credential.get_token(VAULT_SCOPE).token
    with session(sb) as http:
        raw = http.get(
            f"{vault_url(sb, 'contoso-ops')}/secrets/rotated-secret/versions",
            params={"api-version": "7.5", "maxresults": "1"},
            headers={"Authorization": f"Bearer {token}"},
        ).json()
    assert "value" not in raw["value"][0] and raw["nextLink"].startswith(f"{sb.url}/vaults/contoso-ops/secrets/")


def test_a_page_size_out_of_range_is_refused(sb: Sandbox) -> None:
    with (
        automation(sb) as credential,
        client(sb, credential) as vault,
        pytest.raises(HttpResponseError, match="maxresults"),
    ):
        list(vault.list_properties_of_secrets(max_page_size=26))


def test_listing_needs_a_reader(sb: Sandbox) -> None:
    with (
        ClientSecretCredential(CONTOSO, UNCONSENTED, "sandbox-secret-unconsented", **azure_kwargs(sb)) as credential,
        client(sb, credential) as vault,
        pytest.raises(HttpResponseError) as caught,
    ):
        list(vault.list_properties_of_secrets())
    assert caught.value.status_code == 403
    assert "does not have secrets list permission on key vault 'contoso-ops" in str(caught.value)
