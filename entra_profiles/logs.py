"""Logging: quiet by default; with --debug, ours (each HTTP request as method, URL, status and time) —
through the redactor, tokens masked. The HTTP clients' own logs stay off, --debug or not: msal logs
token answers, azure-identity a refused sign-in with the server's text, and a server may echo a
secret in any encoding there (URL-encoded, base64, in JSON)."""

from __future__ import annotations

import logging
import re
import sys

from entra_profiles.redact import REDACTOR
from entra_profiles.safetext import neutralize

# Form fields and JSON members that carry credentials, as HTTP debug logs show them.
FIELD_RE = re.compile(
    r"((?:client_secret|client_assertion|access_token|refresh_token|password|secret)[\"']?\s*[=:]\s*[\"']?)"
    r"[^&\s\"',}]+",
    re.IGNORECASE,
)
NOISY = ("azure", "msal", "urllib3")


def scrub(text: str) -> str:
    """Mask registered secrets, JWTs and credential fields in a line of log output."""
    return neutralize(FIELD_RE.sub(r"\1***", REDACTOR.redact(text)))


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def setup(debug: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    for name in NOISY:
        # Their failures are reported by us, once and explained; the requests they make are logged by
        # net/sessions.py, without bodies.
        logging.getLogger(name).setLevel(logging.CRITICAL)
