"""The checks' decisions on given answers (no server): which registered credential is the one in use, which
end date counts, what a refusal gives; and the result model stays plain, picklable data."""

from __future__ import annotations

import base64
import pickle
from datetime import UTC, datetime, timedelta
from typing import Any

from entra_profiles.config.models import Expect
from entra_profiles.results import AppCredential, CheckResult, Failure, ProfileResult
from entra_profiles.run.app_credentials import InUse, registered
from entra_profiles.run.expectations import GraphReads, Observed, check_expectations
from entra_profiles.run.graph import GraphAnswered
from entra_profiles.run.probe import Organization

NOW = datetime(2026, 1, 1, tzinfo=UTC)
THUMB = "9B6BAB473C3CA2F2D5781E75B24685010385CE9E"


def at(days: float) -> str:
    return (NOW + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def reads(app: Any = None, org: Any = None) -> GraphReads:
    def answer(value: Any) -> Any:
        if isinstance(value, BaseException):
            raise value
        return value

    return GraphReads(lambda: answer(org), lambda: answer(app), lambda exc: Failure("failed", str(exc)))


def refused(status: int) -> GraphAnswered:
    return GraphAnswered(Failure(f"graph_{status}", "no"), status, "Authorization_RequestDenied", None)


def seen(kind: str, **fields: Any) -> Observed:
    in_use = InUse(kind, **fields)
    return Observed(
        ["User.Read.All"],
        "t",
        int(NOW.timestamp()) + 3600,
        f"{'client_secret' if kind == 'secret' else kind}",
        in_use,
        NOW,
    )


def test_thumbprint_in_hex_or_base64_marks_the_certificate_in_use() -> None:
    raw = bytes.fromhex(THUMB)
    for identifier in (THUMB.lower(), base64.b64encode(raw).decode(), base64.b64encode(THUMB.encode()).decode()):
        entries = [
            {"kind": "certificate", "customKeyIdentifier": identifier, "endDateTime": at(100), "keyId": "k1"},
            {"kind": "certificate", "customKeyIdentifier": "00" * 20, "endDateTime": at(5), "keyId": "k2"},
        ]
        marked = [c.key_id for c in registered(entries, InUse("certificate", thumbprint=THUMB), NOW) if c.in_use]
        assert marked == ["k1"], identifier


def test_of_secrets_sharing_a_hint_the_first_still_valid_to_end_is_in_use() -> None:
    entries = [
        {"kind": "secret", "hint": "abc", "endDateTime": at(-3), "keyId": "expired"},
        {"kind": "secret", "hint": "abc", "endDateTime": at(40), "keyId": "later"},
        {"kind": "secret", "hint": "abc", "endDateTime": at(12), "keyId": "sooner"},
        {"kind": "secret", "hint": "xyz", "endDateTime": at(1), "keyId": "other"},
    ]
    listed = registered(entries, InUse("secret", hint="abc"), NOW)
    assert [c.key_id for c in listed if c.in_use] == ["sooner"]
    checks, _ = check_expectations(Expect(credential_valid_for="30d"), seen("secret", hint="abc"), reads(entries))
    assert checks[0].status == "fail"
    assert "the first to end of 3 secrets with that hint" in checks[0].message


def test_a_certificates_own_not_after_counts_when_it_comes_first() -> None:
    entries = [{"kind": "certificate", "customKeyIdentifier": THUMB, "endDateTime": at(400)}]
    observed = seen("certificate", thumbprint=THUMB, not_after=NOW + timedelta(days=20))
    checks, listed = check_expectations(Expect(credential_valid_for="30d"), observed, reads(entries))
    assert (checks[0].status, checks[0].code) == ("fail", "credential_expiring")
    assert f"ends {at(20)}, in 20 days" in checks[0].message
    assert [c.end for c in listed] == [at(400)]  # the registration as Graph has it


def test_refusals_warn_and_a_certificate_still_fails_on_its_not_after() -> None:
    expect = Expect(credential_valid_for="30d")
    secret, _ = check_expectations(expect, seen("secret", hint="abc"), reads(refused(403)))
    assert secret[0].status == "warn" and "lacks Application.Read.All" in secret[0].message
    far = seen("certificate", thumbprint=THUMB, not_after=NOW + timedelta(days=300))
    cert, listed = check_expectations(expect, far, reads(refused(403)))
    assert cert[0].status == "warn" and "(its NotAfter); when its registration ends cannot be read" in cert[0].message
    assert [(c.source, c.in_use) for c in listed] == [("local", True)]
    near = seen("certificate", thumbprint=THUMB, not_after=NOW + timedelta(days=5))
    assert check_expectations(expect, near, reads(refused(404)))[0][0].status == "fail"
    broken, _ = check_expectations(expect, seen("secret", hint="abc"), reads(TimeoutError("slow")))
    assert (broken[0].status, broken[0].message) == ("fail", "cannot read when the client secret in use ends: slow")


def test_tenant_by_name_domain_or_id() -> None:
    org = Organization("Contoso", ("contoso.onmicrosoft.com", "contoso.com"))
    for expected, status in (("CONTOSO.COM", "pass"), ("Contoso", "pass"), ("Fabrikam", "fail"), ("t", "fail")):
        assert (
            check_expectations(Expect(tenant=expected), seen("secret", hint="a"), reads(org=org))[0][0].status == status
        )
    guid = "7f0c1c5e-3d2a-4b8e-9f10-0a1b2c3d4e5f"
    observed = seen("secret", hint="a")
    observed.tenant_id = guid
    assert check_expectations(Expect(tenant=guid.upper()), observed, reads(org=refused(403)))[0][0].status == "pass"


def test_forbidden_globs_and_required_roles_ignore_case() -> None:
    observed = seen("secret", hint="a")
    observed.roles = ["Directory.ReadWrite.All", "User.Read.All"]
    expect = Expect(forbid_roles=["*.readwrite.all"], roles=["user.read.all"])
    checks, _ = check_expectations(expect, observed, reads())
    assert [(c.name, c.status) for c in checks] == [("roles", "pass"), ("forbid_roles", "fail")]


def test_results_pickle_and_read_back_from_json() -> None:
    result = ProfileResult(
        "p",
        context={"Scopes": ["x"]},
        tenant="t",
        checks=[CheckResult("forbid_roles", "fail", "m", "h", "forbidden_roles"), CheckResult("tenant", "warn", "w")],
        credentials=[AppCredential("secret", at(3), "n", "abc", None, "k", True)],
        organization="Org",
        duration_s=1.5,
    )
    assert pickle.loads(pickle.dumps(result)) == result  # worker processes send results back
    again = ProfileResult.from_dict(result.as_dict())
    assert again == result and again.status == "failed" and again.error is None
