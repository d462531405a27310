"""Answers that are not answers (HTML, not JSON, empty, cut short, a token without expiry, a redirect)
fail with a code and a message naming the endpoint and what was wrong; what is transient is retried."""

from __future__ import annotations

from runsupport import (
    AUTOMATION,
    CONTOSO,
    FABRIKAM_APP,
    RETIRED,
    UAMI,
    UNCONSENTED,
    RunProfiles,
    by_name,
    contoso_secret,
)

from entra_profiles.sandbox import Sandbox

MALFORMED_HINT = "something other than the service may be answering (a proxy, a captive portal); check the endpoint"
REDIRECT_HINT = "check the endpoint's URL; a proxy or a portal may be redirecting requests"


def test_malformed_answers_name_the_endpoint_and_what_was_wrong(run_profiles: RunProfiles, box: Sandbox) -> None:
    profiles = (
        contoso_secret("html").replace("contoso.onmicrosoft.com", CONTOSO)
        + f"""  not-json:
    tenant: fabrikam.onmicrosoft.com
    client_id: {FABRIKAM_APP}
    credential: {{type: client_secret, secret: sandbox-secret-fabrikam-1}}
  empty:
    tenant: {CONTOSO}
    client_id: {UNCONSENTED}
    credential: {{type: client_secret, secret: sandbox-secret-unconsented}}
  redirected:
    tenant: {CONTOSO}
    client_id: {RETIRED}
    credential: {{type: client_secret, secret: sandbox-secret-retired}}
  no-expiry:
    tenant: {CONTOSO}
    credential: {{type: managed_identity, client_id: {UAMI}}}
"""
    )
    rules = [
        {"endpoint": "token", "client_id": AUTOMATION, "action": "malformed", "body": "html"},
        {"endpoint": "token", "client_id": FABRIKAM_APP, "action": "malformed", "body": "not_json"},
        {"endpoint": "token", "client_id": UNCONSENTED, "action": "malformed", "body": "empty"},
        {"endpoint": "token", "client_id": RETIRED, "action": "redirect", "location": "https://portal.example/x?c=1"},
        {"endpoint": "managed_identity", "client_id": UAMI, "action": "tamper", "token": "no_expires_in"},
    ]
    box.set_faults({"rules": rules})
    got = {name: p["error"] for name, p in by_name(run_profiles(profiles, "--format", "json")).items()}
    token = f"the token endpoint at {box.info['authority_host']}"
    assert got == {
        "html": {
            "code": "malformed_answer",
            "message": f"{token} answered with an HTML page (text/html), not JSON",
            "hint": MALFORMED_HINT,
        },
        "not-json": {
            "code": "malformed_answer",
            "message": f"{token} answered with a body that is not valid JSON (application/json)",
            "hint": MALFORMED_HINT,
        },
        "empty": {
            "code": "malformed_answer",
            "message": f"{token} answered with an empty body",
            "hint": MALFORMED_HINT,
        },
        "redirected": {
            "code": "redirect",
            "message": f"{token} redirected (HTTP 307) to https://portal.example/x; redirects are not followed",
            "hint": REDIRECT_HINT,
        },
        "no-expiry": {
            "code": "malformed_answer",
            "message": f"the managed identity endpoint at {box.info['imds_authority_host']} sent a token without "
            "expires_in",
            "hint": MALFORMED_HINT,
        },
    }


def test_what_is_transient_is_retried(run_profiles: RunProfiles, box: Sandbox) -> None:
    profiles = (
        contoso_secret("probed", extra="    probe: true\n")
        + f"""  cut-short:
    tenant: fabrikam.onmicrosoft.com
    client_id: {FABRIKAM_APP}
    credential: {{type: client_secret, secret: sandbox-secret-fabrikam-1}}
  ci:
    tenant: {CONTOSO}
    client_id: {AUTOMATION}
    credential: {{type: workload_identity, github: true}}
"""
    )
    rules = [
        {"endpoint": "token", "client_id": FABRIKAM_APP, "action": "malformed", "body": "truncated", "count": 1},
        {"endpoint": "oidc", "action": "status", "status": 503, "count": 1},
        {"endpoint": "graph", "action": "status", "status": 503, "count": 1},
    ]
    box.set_faults({"rules": rules})
    r = run_profiles(profiles, "--format", "json")
    assert r.code == 0, r.out
    assert by_name(r)["probed"]["context"]["Organization"] == "Contoso"
    faulted = [rec["kind"] for rec in box.request_log() if rec.get("fault") in ("malformed", "status")]
    assert sorted(faulted[-3:]) == ["graph", "oidc", "token"]


def test_what_stays_broken_is_named_after_the_retries(run_profiles: RunProfiles, box: Sandbox) -> None:
    profiles = f"""  ci:
    tenant: {CONTOSO}
    client_id: {AUTOMATION}
    credential: {{type: workload_identity, github: true}}
"""
    box.set_faults({"rules": [{"endpoint": "oidc", "action": "status", "status": 503}]})
    error = by_name(run_profiles(profiles, "--format", "json", "--retries", "1"))["ci"]["error"]
    assert error == {
        "code": "http_503",
        "message": f"GitHub's OIDC endpoint at {box.info['authority_host']} answered HTTP 503",
        "hint": "the CI's service is failing; retry later",
    }
