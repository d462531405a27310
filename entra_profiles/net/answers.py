"""What a profile's Trace keeps of an answer: its status, Retry-After, a refusal's own words, and what
is wrong with an answer that is not one (see causes.answer_problem)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from email.message import Message
from typing import Any

from entra_profiles.net.causes import answer_problem
from entra_profiles.net.trace import LastResponse


def recorded(status: int, headers: Mapping[str, Any] | Message, body: bytes, url: str) -> LastResponse:
    said = explanation(body) if 400 <= status < 500 else None
    problem = answer_problem(status, headers, body, url)
    return LastResponse(status, headers.get("Retry-After"), url, said, problem)


def explanation(body: bytes) -> str | None:
    """What a refusal says of itself: OAuth's error_description, or an Azure error's message."""
    try:
        data = json.loads(body[:8192])
    except (ValueError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    nested: dict[str, Any] = data["error"] if isinstance(data.get("error"), dict) else {}
    said = data.get("error_description") or nested.get("message") or data.get("message")
    return said.strip().splitlines()[0][:300] if isinstance(said, str) and said.strip() else None
