"""RS256 signing keys with their JWKS: one for the token service, one for the CI OIDC issuer."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from .pki import load_or_create_key


def _b64(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Signer:
    """Signs JWTs with a cached key object (RSA-2048 signing is the cost of a token)."""

    def __init__(self, key: rsa.RSAPrivateKey) -> None:
        self.key = key
        self.public_key = key.public_key()
        numbers = self.public_key.public_numbers()
        self.public_jwk: dict[str, str] = {"kty": "RSA", "e": _b64(numbers.e), "n": _b64(numbers.n)}
        canonical = json.dumps(self.public_jwk, sort_keys=True, separators=(",", ":")).encode()
        self.kid = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()[:15]).decode()

    @classmethod
    def from_file(cls, path: Path) -> Signer:
        return cls(load_or_create_key(path))

    def jwks(self) -> dict[str, Any]:
        return {"keys": [{**self.public_jwk, "use": "sig", "kid": self.kid, "alg": "RS256"}]}

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid, "typ": "JWT"})

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
