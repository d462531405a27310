"""The app's registered secrets and certificates, with their end dates, read from Graph; and which of
them the profile signed in with (a certificate by its thumbprint, a secret by its hint).

`GET /v1.0/applications(appId='…')?$select=displayName,passwordCredentials,keyCredentials` needs
Application.Read.All (or a broader permission). Graph's `customKeyIdentifier` of a certificate is its
SHA-1 thumbprint, written as hex or base64 depending on how the certificate was added: both are read.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from entra_profiles.context import iso
from entra_profiles.credentials.options import Transports
from entra_profiles.deadlines import Deadline
from entra_profiles.results import AppCredential
from entra_profiles.routing import Route
from entra_profiles.run.graph import graph_get

SELECT = "displayName,passwordCredentials,keyCredentials"
READ_PERMISSION = "Application.Read.All"


@dataclass(frozen=True)
class InUse:
    """What identifies the credential the profile signed in with: a secret's first characters (Graph
    shows three), or a certificate's thumbprint and its own NotAfter."""

    kind: str  # secret | certificate
    hint: str | None = None
    thumbprint: str | None = None
    not_after: datetime | None = None


def read_app_credentials(
    route: Route, token: str, client_id: str, transports: Transports, deadline: Deadline, retries: int
) -> list[dict[str, Any]]:
    """Graph's passwordCredentials and keyCredentials of the app (each marked with `kind`); GraphAnswered
    when Graph refuses (403 without Application.Read.All, 404 for an app registered in another tenant)."""
    path = f"/v1.0/applications(appId='{quote(client_id, safe='-')}')?$select={SELECT}"
    body = graph_get(route, token, path, transports, deadline, retries, "reading the app's credentials")
    if not isinstance(body, dict):
        return []
    entries = []
    for key, kind in (("passwordCredentials", "secret"), ("keyCredentials", "certificate")):
        listed = body.get(key)
        entries += [{**e, "kind": kind} for e in listed if isinstance(e, dict)] if isinstance(listed, list) else []
    return entries


def registered(entries: list[dict[str, Any]], in_use: InUse | None, now: datetime) -> list[AppCredential]:
    """Each registered credential with its end date, the one in use marked. Secrets are told apart by
    their hint only: of several with the hint in use, the one still valid that ends first is marked."""
    out = [_credential(e) for e in entries]
    chosen = _in_use_index(out, in_use, now)
    if chosen is not None:
        c = out[chosen]
        out[chosen] = AppCredential(c.kind, c.end, c.name, c.hint, c.thumbprint, c.key_id, True, c.source)
    return sorted(out, key=lambda c: (c.end or "9999", c.kind, c.name or ""))


def _credential(entry: dict[str, Any]) -> AppCredential:
    kind = str(entry["kind"])
    return AppCredential(
        kind=kind,
        end=_when(entry.get("endDateTime")),
        name=_text(entry.get("displayName")),
        hint=_text(entry.get("hint")) if kind == "secret" else None,
        thumbprint=_thumbprint(entry.get("customKeyIdentifier")) if kind == "certificate" else None,
        key_id=_text(entry.get("keyId")),
    )


def _in_use_index(credentials: list[AppCredential], in_use: InUse | None, now: datetime) -> int | None:
    if in_use is None:
        return None
    if in_use.kind == "certificate":
        return next(
            (i for i, c in enumerate(credentials) if c.kind == "certificate" and c.thumbprint == in_use.thumbprint),
            None,
        )
    stamp = iso(now) or ""
    candidates = [
        i
        for i, c in enumerate(credentials)
        if c.kind == "secret" and c.hint is not None and in_use.hint is not None and in_use.hint.startswith(c.hint)
    ]
    valid = [i for i in candidates if credentials[i].end is None or (credentials[i].end or "") > stamp]
    pool = valid or candidates
    return min(pool, key=lambda i: credentials[i].end or "9999") if pool else None


def same_hint(credentials: list[AppCredential], chosen: AppCredential) -> int:
    """How many registered secrets share the hint of the one marked in use."""
    return sum(1 for c in credentials if c.kind == "secret" and c.hint == chosen.hint)


def _when(value: Any) -> str | None:
    """Graph's DateTimeOffset (`2031-01-01T00:00:00Z`, with or without fractions) as ISO 8601 UTC."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return iso(moment)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _thumbprint(value: Any) -> str | None:
    """A SHA-1 thumbprint in upper-case hex from `customKeyIdentifier`: hex, base64 of its bytes, or
    base64 of its hex text."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if len(text) == 40 and all(c in "0123456789abcdefABCDEF" for c in text):
        return text.upper()
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) == 20:
        return raw.hex().upper()
    decoded = raw.decode("ascii", "replace")
    if len(decoded) == 40 and all(c in "0123456789abcdefABCDEF" for c in decoded):
        return decoded.upper()
    return None
