"""The loopback admin API (`/_sandbox/...`, bearer = the admin token): faults and the CI issuer.

The Python API (`Sandbox.set_faults`, `Sandbox.set_ci_subject`) calls the same `apply_*` functions.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .seed import Faults
from .state import SandboxState
from .wire import Request, Response, Route, json_response, route, simple_error


class CiSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: str | None = Field(default=None, min_length=1, max_length=1000)
    lifetime_seconds: int | None = Field(default=None, ge=10, le=3600)
    clock_offset_seconds: int | None = Field(default=None, ge=-30 * 86400, le=30 * 86400)


def apply_faults(state: SandboxState, payload: dict[str, Any] | None) -> dict[str, Any]:
    """Replace the fault settings (None or {} clears them); returns the new settings."""
    state.faults.configure(Faults.model_validate(payload or {}))
    return state.faults.snapshot()


def apply_ci(state: SandboxState, payload: dict[str, Any]) -> dict[str, Any]:
    """Change the CI issuer's subject, token lifetime or clock offset; returns the current values."""
    settings = CiSettings.model_validate(payload)
    with state.lock:
        if settings.subject is not None:
            state.ci_subject = settings.subject
        if settings.lifetime_seconds is not None:
            state.ci_lifetime = settings.lifetime_seconds
        if settings.clock_offset_seconds is not None:
            state.ci_offset = settings.clock_offset_seconds
        return {
            "subject": state.ci_subject,
            "lifetime_seconds": state.ci_lifetime,
            "clock_offset_seconds": state.ci_offset,
            "issuer": state.ci_issuer,
        }


def _guarded(state: SandboxState, req: Request, action: Any) -> Response:
    given = (req.bearer() or "").encode()
    if not hmac.compare_digest(given, state.admin_token.encode()):
        return simple_error(req, 401, "invalid_client", "The admin token is missing or wrong.")
    try:
        payload = json.loads(req.body or b"{}") if req.method == "POST" else None
        if req.method == "POST" and not isinstance(payload, dict):
            raise ValueError("the body must be a JSON object")
        return json_response(200, action(payload))
    except ValidationError as exc:
        return simple_error(req, 400, "invalid_request", f"Invalid settings: {exc.errors(include_url=False)}")
    except (ValueError, UnicodeDecodeError) as exc:
        return simple_error(req, 400, "invalid_request", f"Invalid JSON body: {exc}")


def faults(state: SandboxState, req: Request) -> Response:
    if req.method == "GET":
        return _guarded(state, req, lambda _: state.faults.snapshot())
    if req.method == "DELETE":
        return _guarded(state, req, lambda _: apply_faults(state, None))
    return _guarded(state, req, lambda payload: apply_faults(state, payload))


def ci(state: SandboxState, req: Request) -> Response:
    if req.method == "GET":
        return _guarded(state, req, lambda _: apply_ci(state, {}))
    return _guarded(state, req, lambda payload: apply_ci(state, payload))


def routes(state: SandboxState) -> list[Route]:
    return [
        route("admin", "GET", r"/_sandbox/health", lambda r: json_response(200, {"status": "ok"})),
        route("admin", "GET POST DELETE", r"/_sandbox/faults", lambda r: faults(state, r)),
        route("admin", "GET POST", r"/_sandbox/ci", lambda r: ci(state, r)),
    ]
