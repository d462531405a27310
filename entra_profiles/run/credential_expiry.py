"""`credential_valid_for` / `warn_within`: does the credential in use stay valid long enough?

The end date is the earliest known: a certificate's own NotAfter and its registration's end date in
Graph; a client secret's end date in Graph (its only source). A credential ending within
`credential_valid_for` fails; within `warn_within`, warns; Graph refusing to tell warns, naming what to do.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from entra_profiles.config.fields import duration_seconds
from entra_profiles.config.models import Expect
from entra_profiles.results import AppCredential, CheckResult, Failure

if TYPE_CHECKING:
    from entra_profiles.run.expectations import Observed

RENEW_HINTS = {
    "secret": "add a new client secret to the app registration, store it where the profile reads it, then delete "
    "the old one",
    "certificate": "upload a new certificate to the app registration, install it where the profile finds it, then "
    "remove the old one",
}


def expiry_check(
    name: str,
    expect: Expect,
    seen: Observed,
    used: AppCredential | None,
    refusal: Failure | None,
    shared: int,
    registered: int,
) -> CheckResult:
    """The check of the credential in use (`used`, None when it is not known), given Graph's `refusal`
    to list the app's credentials (None when it listed them); `shared`: secrets that share its hint."""
    kind = seen.in_use.kind if seen.in_use is not None else "secret"
    if used is None or used.end is None:
        if refusal is not None:
            return CheckResult(
                name,
                "warn" if refusal.code in ("graph_403", "graph_404") else "fail",
                f"cannot read when the {_noun(kind)} in use ends: {refusal.message}",
                refusal.hint,
                None if refusal.code in ("graph_403", "graph_404") else refusal.code,
            )
        hint = f" (hint '{seen.in_use.hint}')" if seen.in_use is not None and seen.in_use.hint else ""
        return CheckResult(
            name,
            "warn",
            f"the {_noun(kind)} in use{hint} is not among the app's {registered} registered credentials",
            "the app's registration may have changed since the token was issued; run again",
        )
    end = datetime.fromisoformat(used.end.replace("Z", "+00:00"))
    left = (end - seen.now).total_seconds()
    described = f"the {_noun(used.kind)} in use ({_identify(used, shared)}) ends {used.end}, {_span(left)}"
    fail_s = duration_seconds(expect.credential_valid_for) if expect.credential_valid_for else 0
    warn_s = duration_seconds(expect.warn_within) if expect.warn_within else None
    renew = RENEW_HINTS[used.kind]
    if left < fail_s or left <= 0:
        limit = f": less than credential_valid_for {expect.credential_valid_for}" if expect.credential_valid_for else ""
        return CheckResult(name, "fail", described + limit, renew, "credential_expiring")
    if warn_s is not None and left < warn_s:
        return CheckResult(name, "warn", f"{described}: within warn_within {expect.warn_within}", renew)
    if refusal is not None:  # a certificate's NotAfter is known, its registration's end date is not
        return CheckResult(
            name,
            "warn",
            f"{described} (its NotAfter); when its registration ends cannot be read: {refusal.message}",
            refusal.hint,
        )
    return CheckResult(name, "pass", described)


def _noun(kind: str) -> str:
    return "client secret" if kind == "secret" else "certificate"


def _identify(used: AppCredential, shared: int) -> str:
    parts = [f"hint '{used.hint}'" if used.kind == "secret" else f"thumbprint {used.thumbprint}"]
    if used.name:
        parts.append(f"'{used.name}'")
    if used.kind == "secret" and shared > 1:
        parts.append(f"the first to end of {shared} secrets with that hint")
    return ", ".join(parts)


def _span(seconds: float) -> str:
    """`in 9 days`, `in 5 hours`, `12 days ago`."""
    ago = seconds < 0
    left = abs(seconds)
    if left >= 2 * 86400:
        text = f"{int(left // 86400)} days"
    elif left >= 2 * 3600:
        text = f"{int(left // 3600)} hours"
    else:
        text = f"{int(left // 60)} minutes"
    return f"{text} ago" if ago else f"in {text}"
