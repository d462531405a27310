"""The context of a connection, field for field as Get-EntraContext shows it — but true to what was used.

Both names people paste into scripts are there: the seed's Get-EntraContext block has `CertificateName`
and `Account`, Get-MgContext has `CertificateSubjectName`; the two certificate names hold the same subject.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from jwt.utils import base64url_decode

CONTEXT_FIELDS = (
    "ClientId",
    "TenantId",
    "Scopes",
    "AuthType",
    "TokenCredentialType",
    "CertificateThumbprint",
    "CertificateName",
    "CertificateSubjectName",
    "CertificateNotAfter",
    "SendCertificateChain",
    "Account",
    "ManagedIdentityId",
    "AppName",
    "ContextScope",
    "Environment",
    "TokenExpiresOn",
)


@dataclass(frozen=True)
class CredentialFacts:
    """What the credential factory knows about the credential it built (no secret in here)."""

    auth_type: str  # AppOnly | ManagedIdentity
    credential_type: str  # ClientSecret | ClientCertificate | ManagedIdentity | WorkloadIdentity
    client_id: str | None = None
    certificate_thumbprint: str | None = None
    certificate_subject: str | None = None
    certificate_not_after: datetime | None = None
    send_certificate_chain: bool = False
    managed_identity_id: str | None = None


# A JWS in compact form: header.payload.signature, each base64url without padding.
COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def token_claims(token: str) -> dict[str, Any]:
    """The claims of an access token, read without verifying it: it came over TLS from the authority we
    chose, and is ours to use, not to trust. Only the header and the payload are decoded (PyJWT's
    base64url); a signature is checked against the issuer's keys where that matters, not here. {} for a
    token that is no JWT (some are opaque: report what the credential knows)."""
    if not COMPACT_JWS.fullmatch(token):
        return {}
    header, payload, _ = token.split(".")
    try:
        kind, claims = (json.loads(base64url_decode(part)) for part in (header, payload))
    except (ValueError, TypeError):
        return {}
    return dict(claims) if isinstance(kind, dict) and isinstance(claims, dict) else {}


def iso(moment: datetime | float | int | None) -> str | None:
    if moment is None:
        return None
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(moment, UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Context:
    fields: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(cls, facts: CredentialFacts, claims: dict[str, Any], expires_on: int, cloud: str) -> Context:
        roles = claims.get("roles")
        scopes = [str(r) for r in roles] if isinstance(roles, list) else []
        values: dict[str, Any] = {
            "ClientId": claims.get("appid") or claims.get("azp") or facts.client_id,
            "TenantId": claims.get("tid"),
            "Scopes": scopes,
            "AuthType": facts.auth_type,
            "TokenCredentialType": facts.credential_type,
            "CertificateThumbprint": facts.certificate_thumbprint,
            "CertificateName": facts.certificate_subject,  # the subject of the certificate actually used
            "CertificateSubjectName": facts.certificate_subject,
            "CertificateNotAfter": iso(facts.certificate_not_after),
            "SendCertificateChain": facts.send_certificate_chain,
            "Account": claims.get("upn") or None,  # a user's sign-in name; none for app-only
            "ManagedIdentityId": facts.managed_identity_id,
            "AppName": claims.get("app_displayname"),
            "ContextScope": "Process",
            "Environment": cloud,
            "TokenExpiresOn": iso(expires_on),
        }
        return cls({k: values[k] for k in CONTEXT_FIELDS})
