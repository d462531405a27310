"""Fault injection: fixed latency, error statuses, connection resets, slow or trickling responses,
malformed answers, tampered tokens and redirects, chosen per endpoint kind, client id and path prefix,
for the next N requests or a reproducible fraction of them."""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass, replace
from typing import Any

import jwt

from .seed import FaultRule, Faults
from .wire import JSON, Response

FOREIGN_TENANT = "00000000-0000-4000-8000-00000000f0e1"  # tamper wrong_tenant: a tenant of no seed
FOREIGN_AUDIENCE = "https://management.azure.com"  # tamper wrong_audience: another resource's token
HTML = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Proxy sign-in required</body></html>"


@dataclass
class _Live:
    rule: FaultRule
    remaining: int | None


@dataclass(frozen=True)
class Decision:
    """What to do to one request: wait `latency_ms` first, then maybe one fault action."""

    latency_ms: int = 0
    action: str | None = None  # status | reset | slow | trickle | malformed | tamper | redirect
    status: int = 503
    retry_after: int | None = None
    delay_ms: int = 0
    body: str = "not_json"
    token: str = "not_jwt"
    location: str = ""


class FaultEngine:
    """Thread-safe holder of the current fault settings."""

    def __init__(self, faults: Faults | None = None) -> None:
        self._lock = threading.Lock()
        self.configure(faults or Faults())

    def configure(self, faults: Faults) -> None:
        with self._lock:
            self._faults = faults
            self._rng = random.Random(faults.random_seed)
            self._live = [_Live(rule, rule.count) for rule in faults.rules]

    def snapshot(self) -> dict[str, Any]:
        """The current settings, with the remaining count of each rule."""
        with self._lock:
            data = self._faults.model_dump(mode="json")
            for rule, live in zip(data["rules"], self._live, strict=True):
                rule["count"] = live.remaining
            return data

    def decide(self, kind: str, client_id: str | None, path: str = "") -> Decision:
        with self._lock:
            latency = self._faults.latency_ms
            if not self._live:
                return Decision(latency_ms=latency)
            for live in self._live:
                rule = live.rule
                if rule.endpoint not in ("all", kind):
                    continue
                if rule.client_id and (client_id or "").lower() != rule.client_id.lower():
                    continue
                if rule.path and not path.lower().startswith(rule.path.lower()):
                    continue
                if live.remaining is not None and live.remaining <= 0:
                    continue
                if rule.fraction is not None and self._rng.random() >= rule.fraction:
                    continue
                if live.remaining is not None:
                    live.remaining -= 1
                if rule.action == "latency":
                    latency += rule.delay_ms
                    continue
                retry_after = rule.retry_after
                if retry_after is None and rule.status == 429:
                    retry_after = 1
                return Decision(
                    latency, rule.action, rule.status, retry_after, rule.delay_ms, rule.body, rule.token, rule.location
                )
            return Decision(latency_ms=latency)


def misanswer(decision: Decision, response: Response, signer: Any) -> Response:
    """The answer a `malformed`, `tamper` or `redirect` fault sends instead of `response` (the real one).
    A truncated body is cut by the server as it writes (it keeps the full Content-Length)."""
    if decision.action == "redirect":
        return Response(307, b"", JSON, [("Location", decision.location)])
    if decision.action == "malformed":
        bodies = {"html": (HTML, "text/html; charset=utf-8"), "not_json": (b'{"access_token": "', JSON)}
        body, ctype = bodies.get(decision.body, (b"", JSON))
        if decision.body == "truncated":
            return response
        return replace(response, status=200, body=body, content_type=ctype)
    if decision.action == "tamper":
        return replace(response, body=_tampered(response.body, decision.token, signer))
    return response


def _tampered(body: bytes, how: str, signer: Any) -> bytes:
    """A token answer whose access token (or expiry) is wrong in the way `how` names."""
    try:
        data = json.loads(body)
        token = data["access_token"]
    except (ValueError, KeyError, TypeError):
        return body  # not a token answer: nothing to tamper with
    if how == "no_expires_in":
        for key in ("expires_in", "expires_on", "ext_expires_in"):
            data.pop(key, None)
    elif how == "not_jwt":
        data["access_token"] = "opaque-" + token.rsplit(".", 1)[-1][:32]
    else:
        claims = jwt.decode(token, options={"verify_signature": False})
        if how == "wrong_audience":
            claims["aud"] = FOREIGN_AUDIENCE
        elif how == "wrong_tenant":
            claims["tid"] = FOREIGN_TENANT
        elif how == "expired":
            claims["exp"] = int(time.time()) - 600
        data["access_token"] = signer.sign(claims)
    return json.dumps(data, separators=(",", ":")).encode()
