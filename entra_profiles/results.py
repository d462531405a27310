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


@dataclass
class ProfileResult:
    name: str
    context: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    error: Failure | None = None
    organization: str | None = None  # from the Graph probe
    duration_s: float = 0.0
    interrupted: bool = False  # Ctrl-C came before it finished: neither ok nor failed

    @property
    def ok(self) -> bool:
        return self.error is None and not self.interrupted

    @property
    def status(self) -> str:
        """ok, failed or interrupted."""
        return "interrupted" if self.interrupted else "ok" if self.ok else "failed"

    def as_dict(self) -> dict[str, Any]:
        context = dict(self.context) if self.context is not None else None
        if context is not None and self.organization is not None:
            context["Organization"] = self.organization
        return {
            "name": self.name,
            "status": self.status,
            "context": context,
            "warnings": list(self.warnings),
            "error": self.error.as_dict() if self.error else None,
        }


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during a run: every selected profile's result, those that had not finished `interrupted`."""

    def __init__(self, results: list[ProfileResult]) -> None:
        super().__init__()
        self.results = results
