"""What connecting a profile produced: a context, or a failure a person can act on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from entra_profiles.errors import EntraProfilesError, Location, Problem


@dataclass(frozen=True)
class Failure:
    code: str  # AADSTS7000215, tls, timeout, certificate_not_found, unavailable, …
    message: str
    hint: str | None = None
    where: Location | None = None  # for failures caused by a value in the file
    reason: str | None = None  # the message without the location, for a Problem

    def problem(self, owner: str) -> Problem:
        return Problem(self.where or Location(), self.reason or self.message, self.hint, frozenset({owner}))

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "hint": self.hint}


class ProfileFailed(EntraProfilesError):
    """A profile could not connect; carries the Failure to report."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message, hint=failure.hint)
        self.failure = failure


CHECK_STATES = ("pass", "warn", "fail", "skipped")


@dataclass(frozen=True)
class CheckResult:
    """One expectation of a profile, checked: `pass`, `warn`, `fail` or `skipped` (with the reason)."""

    name: str  # require_roles, forbid_roles, credential_valid_for, tenant, token_lifetime_min
    status: str
    message: str
    hint: str | None = None
    code: str | None = None  # for a failure: missing_roles, forbidden_roles, credential_expiring, …

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "message": self.message, "hint": self.hint, "code": self.code}

    def failure(self) -> Failure:
        return Failure(self.code or f"check_{self.name}", self.message, self.hint)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        return cls(
            str(data["name"]),
            str(data["status"]),
            str(data["message"]),
            _text(data.get("hint")),
            _text(data.get("code")),
        )


@dataclass(frozen=True)
class AppCredential:
    """A credential registered on the app (from Graph), or the certificate in use (from its file or vault):
    what it is and when it ends, never its value."""

    kind: str  # secret | certificate
    end: str | None  # ISO 8601 UTC, e.g. 2031-01-01T00:00:00Z
    name: str | None = None  # Graph's displayName
    hint: str | None = None  # a secret's first characters, as Graph shows them
    thumbprint: str | None = None  # a certificate's SHA-1 thumbprint
    key_id: str | None = None
    in_use: bool = False  # the one this profile signed in with
    source: str = "graph"  # graph | local (the certificate in use, when Graph did not list it)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "hint": self.hint,
            "thumbprint": self.thumbprint,
            "key_id": self.key_id,
            "end": self.end,
            "in_use": self.in_use,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AppCredential:
        return cls(
            kind=str(data["kind"]),
            end=_text(data.get("end")),
            name=_text(data.get("name")),
            hint=_text(data.get("hint")),
            thumbprint=_text(data.get("thumbprint")),
            key_id=_text(data.get("key_id")),
            in_use=bool(data.get("in_use")),
            source=str(data.get("source") or "graph"),
        )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass
class ProfileResult:
    """What connecting one profile gave. A plain, picklable record: worker processes send it back."""

    name: str
    context: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    error: Failure | None = None  # the connection failed (token, references, the Graph probe)
    organization: str | None = None  # from the Graph probe
    duration_s: float = 0.0
    interrupted: bool = False  # Ctrl-C came before it finished: neither ok nor failed
    tenant: str | None = None  # as the profile names it (for grouping reports)
    checks: list[CheckResult] = field(default_factory=list)
    credentials: list[AppCredential] = field(default_factory=list)  # the app's, with their end dates

    @property
    def ok(self) -> bool:
        """Connected and no check failed (warnings allowed)."""
        return self.status in ("ok", "warn")

    @property
    def status(self) -> str:
        """ok, warn, failed or interrupted."""
        if self.interrupted:
            return "interrupted"
        if self.error is not None or any(c.status == "fail" for c in self.checks):
            return "failed"
        if self.warnings or any(c.status == "warn" for c in self.checks):
            return "warn"
        return "ok"

    def failure(self) -> Failure | None:
        """Why the profile failed: the connection's failure, else its first failed check."""
        if self.error is not None:
            return self.error
        failed = next((c for c in self.checks if c.status == "fail"), None)
        return failed.failure() if failed is not None else None

    def as_dict(self) -> dict[str, Any]:
        context = dict(self.context) if self.context is not None else None
        if context is not None and self.organization is not None:
            context["Organization"] = self.organization
        failure = self.failure()
        return {
            "name": self.name,
            "status": self.status,
            "tenant": self.tenant,
            "context": context,
            "warnings": list(self.warnings),
            "error": failure.as_dict() if failure else None,
            "checks": [c.as_dict() for c in self.checks],
            "credentials": [c.as_dict() for c in self.credentials],
            "duration_s": round(self.duration_s, 3),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProfileResult:
        """A result read back from a JSON report (`report merge`)."""
        context = data.get("context")
        organization = None
        if isinstance(context, dict):
            context = dict(context)
            organization = _text(context.pop("Organization", None))
        checks = [CheckResult.from_dict(c) for c in data.get("checks") or []]
        error = data.get("error")
        failed_check = any(c.status == "fail" for c in checks)
        return cls(
            name=str(data["name"]),
            context=context if isinstance(context, dict) else None,
            warnings=[str(w) for w in data.get("warnings") or []],
            # an error that only repeats a failed check is the check's, not the connection's
            error=Failure(str(error["code"]), str(error["message"]), _text(error.get("hint")))
            if isinstance(error, dict) and not (failed_check and context is not None and _is_check(error, checks))
            else None,
            organization=organization,
            duration_s=float(data.get("duration_s") or 0.0),
            interrupted=data.get("status") == "interrupted",
            tenant=_text(data.get("tenant")),
            checks=checks,
            credentials=[AppCredential.from_dict(c) for c in data.get("credentials") or []],
        )


def _is_check(error: dict[str, Any], checks: list[CheckResult]) -> bool:
    return any(c.status == "fail" and c.message == error.get("message") for c in checks)


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during a run: every selected profile's result, those that had not finished `interrupted`."""

    def __init__(self, results: list[ProfileResult]) -> None:
        super().__init__()
        self.results = results
