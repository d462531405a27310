"""RS256 signing keys with their JWKS: one for the token service, one for the CI OIDC issuer.

Each key has a self-signed certificate, as Entra's signing keys do: the JWKS carries it (`x5c`) and its
SHA-1 thumbprint (`x5t`), which is also the key's `kid` and the `x5t` header of every token. The
certificate is derived from the key alone (fixed names, dates and serial; RSA PKCS#1 v1.5 signatures are
deterministic), so a restart with the same key gives the same `kid`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from .pki import load_or_create_key

CERT_SUBJECT = "accounts.sandbox.entra-profiles"  # Entra's are CN=accounts.accesscontrol.windows.net


def _b64(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def signing_certificate(key: rsa.RSAPrivateKey) -> x509.Certificate:
    """The key's self-signed certificate: the same bytes every time for the same key."""
    public_der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CERT_SUBJECT)])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(int.from_bytes(hashlib.sha256(public_der).digest()[:16], "big") >> 1)
        .not_valid_before(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2099, 12, 31, tzinfo=dt.UTC))
        .sign(key, hashes.SHA256())
    )


class Signer:
    """Signs JWTs with a cached key object (RSA-2048 signing is the cost of a token)."""

    def __init__(self, key: rsa.RSAPrivateKey) -> None:
        self.key = key
        self.public_key = key.public_key()
        numbers = self.public_key.public_numbers()
        self.public_jwk: dict[str, str] = {"kty": "RSA", "e": _b64(numbers.e), "n": _b64(numbers.n)}
        der = signing_certificate(key).public_bytes(serialization.Encoding.DER)
        self.x5c = base64.b64encode(der).decode()
        self.kid = base64.urlsafe_b64encode(hashlib.sha1(der).digest()).rstrip(b"=").decode()
        self._headers = {"kid": self.kid, "x5t": self.kid, "typ": "JWT"}

    @classmethod
    def from_file(cls, path: Path) -> Signer:
        return cls(load_or_create_key(path))

    def jwks(self, issuer: str | None = None) -> dict[str, Any]:
        """The key set; `issuer` is added to the key as Entra's keys carry theirs."""
        key: dict[str, Any] = {**self.public_jwk, "use": "sig", "kid": self.kid, "x5t": self.kid, "alg": "RS256"}
        key["x5c"] = [self.x5c]
        if issuer is not None:
            key["issuer"] = issuer
        return {"keys": [key]}

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.key, algorithm="RS256", headers=self._headers)

    def verify(self, token: str) -> dict[str, Any] | None:
        """Claims of a token this signer issued and that has not expired, else None."""
        try:
            if jwt.get_unverified_header(token).get("kid") != self.kid:
                return None
            claims: dict[str, Any] = jwt.decode(
                token,
                self.public_key,
                algorithms=["RS256"],
                options={"verify_aud": False, "require": ["exp", "iat"]},
                leeway=0,
            )
        except jwt.PyJWTError:
            return None
        return claims

    def expired_but_genuine(self, token: str) -> bool:
        """True when the signature is ours but the token is past its expiry."""
        try:
            jwt.decode(token, self.public_key, algorithms=["RS256"], options={"verify_aud": False})
        except jwt.ExpiredSignatureError:
            return True
        except jwt.PyJWTError:
            return False
        return False
