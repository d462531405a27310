"""A token is `ok` only when it is a JWT for the resource asked, of the profile's tenant, not expired."""

from __future__ import annotations

from runsupport import AUTOMATION, CONTOSO, FABRIKAM_APP, UAMI, UNCONSENTED, RunProfiles, by_name, contoso_secret

from entra_profiles.sandbox import Sandbox
from entra_profiles.sandbox.faults import FOREIGN_AUDIENCE, FOREIGN_TENANT

GRAPH = "https://graph.microsoft.com"
FOREIGN_HINT = "something other than Entra may be answering: check the cloud's authority_host (and any proxy)"


def test_tokens_that_are_not_what_was_asked_for_fail(run_profiles: RunProfiles, box: Sandbox) -> None:
    profiles = (
        contoso_secret("not-jwt").replace("contoso.onmicrosoft.com", CONTOSO)
        + f"""  audience:
    tenant: fabrikam.onmicrosoft.com
    client_id: {FABRIKAM_APP}
    credential: {{type: client_secret, secret: sandbox-secret-fabrikam-1}}
  tenant:
    tenant: contoso.onmicrosoft.com
    client_id: {UNCONSENTED}
    credential: {{type: client_secret, secret: sandbox-secret-unconsented}}
  expired:
    tenant: contoso.onmicrosoft.com
    credential: {{type: managed_identity, client_id: {UAMI}}}
  identity-elsewhere:
    tenant: fabrikam.onmicrosoft.com
    credential: {{type: managed_identity}}
"""
    )
    rules = [
        {"endpoint": "token", "client_id": AUTOMATION, "action": "tamper", "token": "not_jwt"},
        {"endpoint": "token", "client_id": FABRIKAM_APP, "action": "tamper", "token": "wrong_audience"},
        {"endpoint": "token", "client_id": UNCONSENTED, "action": "tamper", "token": "wrong_tenant"},
        {"endpoint": "managed_identity", "client_id": UAMI, "action": "tamper", "token": "expired"},
        {"endpoint": "managed_identity", "action": "tamper", "token": "wrong_tenant"},
    ]
    box.set_faults({"rules": rules})
    got = by_name(run_profiles(profiles, "--format", "json"))
    token_endpoint = f"the token endpoint at {box.info['authority_host']}"
    assert got["not-jwt"]["error"] == {
        "code": "token_not_jwt",
        "message": f"{token_endpoint} sent an access token that is not a JWT: its audience, tenant and expiry "
        "cannot be checked",
        "hint": FOREIGN_HINT,
    }
    assert got["audience"]["error"] == {
        "code": "token_audience",
        "message": f"{token_endpoint} sent a token for {FOREIGN_AUDIENCE}, not for {GRAPH} (asked: {GRAPH}/.default)",
        "hint": "the token service answered for another resource: check the scope and the cloud's endpoints",
    }
    assert got["tenant"]["error"] == {  # a domain: the tenant id is the one discovery named
        "code": "token_tenant",
        "message": f"{token_endpoint} sent a token of tenant {FOREIGN_TENANT}, not of the profile's tenant "
        f"{CONTOSO} (contoso.onmicrosoft.com)",
        "hint": FOREIGN_HINT,
    }
    message = got["expired"]["error"].pop("message")
    assert got["expired"]["error"] == {
        "code": "token_expired",
        "hint": "check the clocks of this machine and of the token service",
    }
    assert message.startswith(
        f"the managed identity endpoint at {box.info['imds_authority_host']} sent a token that had already expired (at "
    )
    assert got["identity-elsewhere"]["status"] == "ok"  # a managed identity's token is of the identity's tenant
    assert got["identity-elsewhere"]["context"]["TenantId"] == FOREIGN_TENANT


def test_a_domain_tenant_and_the_token_s_tenant_id_agree(run_profiles: RunProfiles) -> None:
    got = by_name(run_profiles(contoso_secret("domain"), "--format", "json"))
    assert got["domain"]["status"] == "ok" and got["domain"]["context"]["TenantId"] == CONTOSO
