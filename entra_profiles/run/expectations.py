"""A profile's `expect:`, checked against what its connection showed: each expectation gives a
CheckResult (`pass`, `warn`, `fail`, or `skipped` with the reason).

What cannot be known is never a silent pass: when Graph refuses to tell (the app lacks the permission
to read its own registration, or the tenant's), the check warns and names the permission to add.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from entra_profiles.config.fields import GUID_RE, duration_seconds
from entra_profiles.config.models import Expect
from entra_profiles.context import iso
from entra_profiles.results import AppCredential, CheckResult, Failure
from entra_profiles.run.app_credentials import READ_PERMISSION, InUse, registered, same_hint
from entra_profiles.run.credential_expiry import expiry_check
from entra_profiles.run.graph import GraphAnswered
from entra_profiles.run.probe import Organization

ROLES_HINT = "add the application permissions to the app and grant admin consent in the tenant"
FORBIDDEN_HINT = (
    "remove these application permissions from the app (API permissions) and revoke their admin consent: "
    "least privilege keeps what a leaked credential can do small"
)
ORGANIZATION_PERMISSION = "Organization.Read.All"
NOT_CONNECTED = "not checked: the profile did not connect"


@dataclass
class Observed:
    """What the connection showed, for the checks."""

    roles: list[str]
    tenant_id: str | None
    expires_on: int
    credential_type: str  # client_secret | certificate | managed_identity | workload_identity
    in_use: InUse | None = None
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class GraphReads:
    """Graph's answers the checks need, each asked for once: `ask_organization` and `ask_app` raise what
    the call raised (GraphAnswered for Graph's refusals); `classify` turns any of it into a Failure."""

    ask_organization: Callable[[], Organization]
    ask_app: Callable[[], list[dict[str, Any]]]
    classify: Callable[[BaseException], Failure]
    organization: Organization | None = None

    def org(self) -> Organization:
        if self.organization is None:
            self.organization = self.ask_organization()
        return self.organization


def skipped_all(expect: Expect | None, reason: str = NOT_CONNECTED) -> list[CheckResult]:
    """Every expectation of the profile, skipped for `reason`."""
    return [CheckResult(name, "skipped", reason) for name in check_names(expect)]


def check_names(expect: Expect | None) -> list[str]:
    """The checks an `expect:` asks for, in the order they are reported."""
    if expect is None:
        return []
    names = []
    if expect.require_roles is not None:
        names.append("require_roles")
    if expect.roles is not None:
        names.append("roles")
    for name in ("forbid_roles", "tenant", "token_lifetime_min"):
        if getattr(expect, name) is not None:
            names.append(name)
    if expect.credential_valid_for is not None or expect.warn_within is not None:
        names.append("credential_valid_for" if expect.credential_valid_for is not None else "warn_within")
    return names


def check_expectations(
    expect: Expect, seen: Observed, graph: GraphReads
) -> tuple[list[CheckResult], list[AppCredential]]:
    """Each expectation's result, and the app's registered credentials when an expiry check read them."""
    checks: list[CheckResult] = []
    credentials: list[AppCredential] = []
    for name in check_names(expect):
        if name in ("require_roles", "roles"):
            checks.append(_required_roles(name, expect.required_roles, seen.roles))
        elif name == "forbid_roles":
            checks.append(_forbidden_roles(expect.forbid_roles or [], seen.roles))
        elif name == "tenant":
            checks.append(_tenant(str(expect.tenant), seen, graph))
        elif name == "token_lifetime_min":
            checks.append(_token_lifetime(str(expect.token_lifetime_min), seen))
        else:
            check, credentials = _credential(name, expect, seen, graph)
            checks.append(check)
    return checks, credentials


def _required_roles(name: str, required: list[str], granted: list[str]) -> CheckResult:
    have = {r.lower() for r in granted}
    missing = [r for r in required if r.lower() not in have]
    if missing:
        shown = ", ".join(granted) or "none"
        message = f"required roles not granted: {', '.join(missing)} (granted: {shown})"
        return CheckResult(name, "fail", message, ROLES_HINT, "missing_roles")
    return CheckResult(name, "pass", f"granted: {', '.join(required)}" if required else "no role required")


def _forbidden_roles(patterns: list[str], granted: list[str]) -> CheckResult:
    hits = []
    for role in granted:
        matched = next((p for p in patterns if fnmatch.fnmatchcase(role.lower(), p.lower())), None)
        if matched is not None:
            hits.append(role if matched.lower() == role.lower() else f"{role} (matches '{matched}')")
    if hits:
        message = f"forbidden roles granted: {', '.join(hits)}"
        return CheckResult("forbid_roles", "fail", message, FORBIDDEN_HINT, "forbidden_roles")
    return CheckResult("forbid_roles", "pass", f"none of {', '.join(patterns)} granted")


def _tenant(expected: str, seen: Observed, graph: GraphReads) -> CheckResult:
    if GUID_RE.fullmatch(expected):
        tid = (seen.tenant_id or "").lower()
        if tid == expected.lower():
            return CheckResult("tenant", "pass", f"the tenant id is {tid}")
        message = f"the token is of tenant {tid or 'unknown'}, not {expected}"
        return CheckResult("tenant", "fail", message, "check the profile's tenant and client_id", "tenant_mismatch")
    try:
        org = graph.org()
    except GraphAnswered as refused:
        if refused.status == 403:
            return CheckResult(
                "tenant",
                "warn",
                f"cannot read the tenant's name and domains: Graph answered 403 {refused.code} "
                f"(the app lacks {ORGANIZATION_PERMISSION})",
                f"add the application permission {ORGANIZATION_PERMISSION} to the app and grant admin consent",
            )
        return _cannot("tenant", "the tenant's name and domains", graph.classify(refused))
    except Exception as exc:
        return _cannot("tenant", "the tenant's name and domains", graph.classify(exc))
    names = [org.display_name, *org.domains]
    described = f"{org.display_name} ({', '.join(org.domains)})" if org.domains else org.display_name
    if expected.casefold() in {n.casefold() for n in names if n}:
        return CheckResult("tenant", "pass", f"the tenant is {described}")
    return CheckResult(
        "tenant",
        "fail",
        f"the tenant is {described}, not '{expected}'",
        "the credential signs in to another tenant than expected: check the profile's tenant and client_id",
        "tenant_mismatch",
    )


def _token_lifetime(wanted: str, seen: Observed) -> CheckResult:
    left = seen.expires_on - seen.now.timestamp()
    minutes = int(left // 60)
    if left < duration_seconds(wanted):
        return CheckResult(
            "token_lifetime_min",
            "fail",
            f"the token is valid for {minutes} min when it comes, less than token_lifetime_min {wanted}",
            "a token lifetime policy or Conditional Access shortens the tenant's tokens; a long job must refresh "
            "its token",
            "token_lifetime",
        )
    return CheckResult("token_lifetime_min", "pass", f"the token is valid for {minutes} min")


def _credential(
    name: str, expect: Expect, seen: Observed, graph: GraphReads
) -> tuple[CheckResult, list[AppCredential]]:
    if seen.credential_type == "managed_identity":
        return CheckResult(name, "skipped", "a managed identity's credentials are kept and renewed by Azure"), []
    if seen.credential_type == "workload_identity":
        return CheckResult(name, "skipped", "workload identity federation uses no secret or certificate that ends"), []
    try:
        credentials = registered(graph.ask_app(), seen.in_use, seen.now)
        refusal = None
    except GraphAnswered as refused:
        credentials, refusal = [], _refusal(refused)
    except Exception as exc:
        credentials, refusal = [], graph.classify(exc)
    local = seen.in_use
    if local is not None and local.not_after is not None and not any(c.in_use for c in credentials):
        end = iso(local.not_after)
        own = AppCredential("certificate", end, thumbprint=local.thumbprint, in_use=True, source="local")
        credentials.append(own)  # the certificate's own NotAfter, when Graph did not list it
    used = next((c for c in credentials if c.in_use), None)
    if used is not None and local is not None and local.not_after is not None and used.end is not None:
        not_after = iso(local.not_after) or used.end
        used = replace(used, end=min(not_after, used.end))  # the certificate's own NotAfter may come first
    shared = same_hint(credentials, used) if used is not None and used.kind == "secret" else 1
    check = expiry_check(name, expect, seen, used, refusal, shared, len(credentials))
    return check, credentials


def _refusal(refused: GraphAnswered) -> Failure:
    """Graph's refusal to show the app's registration, as what to do about it."""
    if refused.status == 403:
        return Failure(
            "graph_403",
            f"Graph answered 403 {refused.code}: the app lacks {READ_PERMISSION}",
            f"add the application permission {READ_PERMISSION} to the app and grant admin consent, so that the "
            "end dates of its secrets and certificates can be read",
        )
    if refused.status == 404:
        return Failure(
            "graph_404",
            "Graph answered 404: the app is not registered in this tenant (a multi-tenant app's registration "
            "lives in its home tenant)",
            "check the app's credentials with a profile of its home tenant",
        )
    return refused.failure


def _cannot(name: str, what: str, failure: Failure) -> CheckResult:
    return CheckResult(name, "fail", f"cannot read {what}: {failure.message}", failure.hint, failure.code)
