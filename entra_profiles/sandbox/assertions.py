"""Client assertions: certificate-signed (private_key_jwt) and federated (workload identity)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.types import Options

from .state import SandboxState
from .world import Cert, Principal

ALGORITHMS = {"RS256", "PS256", "RS384", "PS384", "RS512", "PS512"}
SKEW = 300  # seconds of clock skew Entra tolerates
MAX_LIFETIME = 24 * 3600
VERIFY_SIGNATURE_ONLY: Options = {
    "verify_exp": False,
    "verify_nbf": False,
    "verify_iat": False,
    "verify_aud": False,
    "verify_iss": False,
}


class Refusal(Exception):
    """A token request refused with an AADSTS code."""

    def __init__(self, status: int, error: str, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.code, self.message = status, error, code, message


def malformed(detail: str = "") -> Refusal:
    return Refusal(400, "invalid_request", 50027, f"JWT token is invalid or malformed.{detail}")


def _thumb(value: Any) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


def _find_cert(principal: Principal, header: dict[str, Any]) -> tuple[Cert | None, str]:
    sha1, sha256 = _thumb(header.get("x5t")), _thumb(header.get("x5t#S256"))
    x5c = header.get("x5c")
    leaf: bytes | None = None
    if isinstance(x5c, list) and x5c and isinstance(x5c[0], str):
        try:
            leaf = base64.b64decode("".join(x5c[0].split()), validate=True)  # msal keeps PEM line breaks
        except (binascii.Error, ValueError):
            raise malformed(" The x5c header is not base64.") from None
    for cert in principal.certs:
        if sha1 == bytes.fromhex(cert.sha1) or sha256 == bytes.fromhex(cert.sha256):
            return cert, cert.sha1
        if leaf is not None and hashlib.sha1(leaf).hexdigest().upper() == cert.sha1:
            return cert, cert.sha1
    shown = (sha1 or sha256 or (hashlib.sha1(leaf).digest() if leaf else b"")).hex().upper()
    return None, shown


def _check_times(claims: dict[str, Any], now: float) -> None:
    exp, nbf, iat = claims.get("exp"), claims.get("nbf"), claims.get("iat")
    for value in (exp, nbf, iat):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise malformed(" Its time claims must be numbers.")
    if exp is None:
        raise malformed(" The assertion has no 'exp' claim.")
    start = nbf if nbf is not None else iat if iat is not None else now
    if exp + SKEW < now or start - SKEW > now or exp - start > MAX_LIFETIME:
        raise Refusal(
            401,
            "invalid_client",
            700024,
            f"Client assertion is not within its valid time range. Current time: {int(now)}, "
            f"assertion valid from {int(start)}, expiry time of assertion {int(exp)}.",
        )


def _audiences(claims: dict[str, Any]) -> list[str]:
    aud = claims.get("aud")
    return [aud] if isinstance(aud, str) else [a for a in aud if isinstance(a, str)] if isinstance(aud, list) else []


def _certificate_assertion(
    state: SandboxState,
    principal: Principal,
    assertion: str,
    header: dict[str, Any],
    claims: dict[str, Any],
    token_endpoints: set[str],
) -> None:
    cert, thumbprint = _find_cert(principal, header)
    hint = (
        f"Thumbprint of key used by client: '{thumbprint}', Please visit the Azure Portal, Graph Explorer or "
        f"directly use MS Graph to see configured keys for app Id '{principal.client_id}'."
    )
    if cert is None:
        raise Refusal(
            401,
            "invalid_client",
            700027,
            f"Client assertion contains an invalid signature. [Reason - The key was not found., {hint}]",
        )
    if (
        cert.expires.timestamp() < time.time()
    ):  # the key credential's end: the certificate's NotAfter unless the seed says
        raise Refusal(
            401,
            "invalid_client",
            700027,
            f"Client assertion contains an invalid signature. [Reason - The key used is expired., {hint}]",
        )
    public_key = cert.cert.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise malformed(" Only RSA certificates are supported.")
    try:
        jwt.decode(assertion, public_key, algorithms=[header["alg"]], options=VERIFY_SIGNATURE_ONLY)
    except jwt.InvalidSignatureError:
        raise Refusal(
            401,
            "invalid_client",
            700027,
            "Client assertion contains an invalid signature. "
            f"[Reason - The provided signature value did not match the expected signature value., "
            f"{hint}]",
        ) from None
    except jwt.PyJWTError:
        raise malformed() from None
    if not token_endpoints & set(_audiences(claims)):
        raise malformed(" The assertion's 'aud' claim is not this tenant's token endpoint.")
    if str(claims.get("sub", "")).lower() != principal.client_id.lower():
        raise Refusal(
            401,
            "invalid_client",
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter.",
        )
    _check_times(claims, time.time())
    jti = claims.get("jti")
    if jti is not None:
        digest = hashlib.sha256(assertion.encode()).hexdigest()
        if not state.remember_assertion(str(jti), digest, float(claims["exp"])):
            raise malformed(" The assertion's 'jti' was already used by another assertion (replay).")


def _federated_assertion(state: SandboxState, principal: Principal, assertion: str, claims: dict[str, Any]) -> None:
    iss, sub, auds = str(claims.get("iss", "")), str(claims.get("sub", "")), _audiences(claims)
    creds = principal.app.federated_credentials if principal.app else []
    candidates = [c for c in creds if state.resolve_issuer(c.issuer) == iss]
    detail = f"Assertion Issuer: '{iss}'. Assertion Subject: '{sub}'. Assertion Audience: '{','.join(auds)}'."
    no_match = Refusal(
        400, "invalid_request", 70021, f"No matching federated identity record found for presented assertion. {detail}"
    )
    if not candidates:
        raise no_match
    if iss != state.ci_issuer:
        raise Refusal(
            400,
            "invalid_request",
            50166,
            f"Request to External OIDC endpoint failed: the sandbox holds no signing keys for issuer '{iss}'.",
        )
    try:
        jwt.decode(assertion, state.ci_signer.public_key, algorithms=["RS256"], options=VERIFY_SIGNATURE_ONLY)
    except jwt.InvalidSignatureError:
        raise Refusal(
            401,
            "invalid_client",
            700027,
            "Client assertion contains an invalid signature. "
            "[Reason - The key was not found or the signature did not match.]",
        ) from None
    except jwt.PyJWTError:
        raise malformed() from None
    _check_times(claims, time.time())
    if not any(c.subject == sub and c.audience in auds for c in candidates):
        raise no_match


def verify_assertion(state: SandboxState, principal: Principal, assertion: str, token_endpoints: set[str]) -> None:
    """Raise Refusal unless `assertion` authenticates `principal` (certificate or federated)."""
    try:
        header = jwt.get_unverified_header(assertion)
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise malformed() from None
    if header.get("alg") not in ALGORITHMS:
        raise malformed(f" The signing algorithm '{header.get('alg')}' is not supported.")
    if str(claims.get("iss", "")).lower() == principal.client_id.lower():
        _certificate_assertion(state, principal, assertion, header, claims, token_endpoints)
    else:
        _federated_assertion(state, principal, assertion, claims)
