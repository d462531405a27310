"""A vault reader's token is checked as a profile's is (token_checks.py) before it is sent: a JWT, for
the cloud's vault resource, of the reader's tenant, not expired. A token service or managed identity
endpoint that answers for another resource (ARM) gets its token refused here, with the code a run
gives, instead of the vault's raw refusal (AKV10022) blamed on the sign-in."""

from __future__ import annotations

from typing import Any

import pytest
from runsupport import AUTOMATION, CONTOSO, RunProfiles, by_name

from entra_profiles.sandbox import Sandbox
from entra_profiles.sandbox.faults import FOREIGN_AUDIENCE, FOREIGN_TENANT

VAULT = "https://contoso-ops.vault.azure.net"
VICTIM = f"""  victim:
    tenant: {CONTOSO}
    client_id: {AUTOMATION}
    credential: {{type: client_secret, secret: "${{keyvault:{VAULT}/secrets/contoso-app-secret}}"}}
"""
READER = f"""  reader:
    tenant: contoso.onmicrosoft.com
    client_id: {AUTOMATION}
    credential: {{type: client_secret, secret: sandbox-secret-contoso-1}}
"""
FOREIGN_HINT = "something other than Entra may be answering: check the cloud's authority_host (and any proxy)"


def vault_answers(box: Sandbox, since: int) -> list[tuple[int, str]]:
    """The vault's answers to the requests logged after the first `since`: (status, error)."""
    log = box.request_log()[since:]
    return [(r["status"], r.get("error", "")) for r in log if str(r.get("path", "")).startswith("/vaults/")]


@pytest.mark.parametrize(
    ("reader", "tamper", "code", "said"),
    [
        ("managed_identity", "wrong_audience", "token_audience", f"sent a token for {FOREIGN_AUDIENCE}, not for "),
        ("managed_identity", "not_jwt", "token_not_jwt", "sent an access token that is not a JWT"),
        ("managed_identity", "expired", "token_expired", "sent a token that had already expired"),
        ("profile:reader", "wrong_audience", "token_audience", f"sent a token for {FOREIGN_AUDIENCE}, not for "),
        ("profile:reader", "wrong_tenant", "token_tenant", f"sent a token of tenant {FOREIGN_TENANT}, not of "),
    ],
)
def test_a_reader_token_that_is_not_for_the_vault_is_not_sent(
    run_profiles: RunProfiles, box: Sandbox, reader: str, tamper: str, code: str, said: str
) -> None:
    endpoint = "managed_identity" if reader == "managed_identity" else "token"
    rule: dict[str, Any] = {"endpoint": endpoint, "action": "tamper", "token": tamper}
    if endpoint == "token":
        rule["client_id"] = AUTOMATION
    box.set_faults({"rules": [rule]})
    before = len(box.request_log())
    profiles = VICTIM.replace("    credential:", f"    keyvault_credential: {reader}\n    credential:", 1)
    r = run_profiles(profiles + READER, "victim", "--format", "json", "--retries", "0")
    assert r.code == 1, r.err
    error = by_name(r)["victim"]["error"]
    label = (
        "the system-assigned managed identity" if endpoint != "token" else f"profile reader (client id {AUTOMATION})"
    )
    source = (
        f"the managed identity endpoint at {box.info['imds_authority_host']}"
        if endpoint != "token"
        else f"the token endpoint at {box.info['authority_host']}"
    )
    prefix = f"{r.file}:7:47: profiles.victim.credential.secret: Key Vault secret 'contoso-app-secret' in {VAULT}: "
    assert error["code"] == code
    assert error["message"].startswith(f"{prefix}the token of {label} was not sent: {source} {said}"), error
    if code == "token_audience":
        assert error["message"].endswith("not for https://vault.azure.net (asked: https://vault.azure.net/.default)"), (
            error["message"]
        )
    assert vault_answers(box, before) == [(401, "Unauthorized")]  # the challenge only: no token was sent
