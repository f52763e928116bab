"""ES256 access tokens for tests, signed the way identity signs them, and a JWKS to trust them.

The one place tests sign tokens themselves: a real P-256 key pair (`SigningKey`), its public
half as a JWK (for a `StaticKeys` key source or a `JwksServer` over HTTP), tokens with any
claims, and an `alg: none` token anyone could write.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI
from jose import jwt

ISSUER = "ladda-identity"
AUDIENCE = "ladda"


def _b64(value: int) -> str:
    return base64.urlsafe_b64encode(value.to_bytes(32, "big")).rstrip(b"=").decode()


# Tests mint many tokens at import time (module constants): they must outlive the slowest whole
# run of the suite on a loaded machine, not just the first minutes of it. Tests of expiry pass
# their own `ttl_s`.
TEST_TOKEN_TTL_S = 6 * 3600


def claims(
    subject: str | None = None,
    roles: list[str] | None = None,
    *,
    ttl_s: int = TEST_TOKEN_TTL_S,
    **overrides: Any,
) -> dict[str, Any]:
    """Identity's claims; an override of None leaves that claim out."""
    now = int(time.time())
    values: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": subject or str(uuid.uuid4()),
        "roles": roles if roles is not None else ["driver"],
        "iat": now,
        "exp": now + ttl_s,
        "jti": uuid.uuid4().hex,
    }
    values.update(overrides)
    return {name: value for name, value in values.items() if value is not None}


@dataclass
class SigningKey:
    """A P-256 key pair like identity's, with its public half as a JWK."""

    kid: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    private: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )

    @property
    def pem(self) -> bytes:
        return self.private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @property
    def jwk(self) -> dict[str, str]:
        numbers = self.private.public_key().public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "kid": self.kid,
            "use": "sig",
            "alg": "ES256",
            "x": _b64(numbers.x),
            "y": _b64(numbers.y),
        }

    def sign(self, payload: dict[str, Any], *, kid: str | None = None) -> str:
        """Exactly these claims, with this key, under `kid` (default: the key's own)."""
        headers = {"kid": kid if kid is not None else self.kid}
        return str(jwt.encode(payload, self.pem.decode(), algorithm="ES256", headers=headers))

    def token(
        self,
        subject: str | None = None,
        roles: list[str] | None = None,
        *,
        ttl_s: int = TEST_TOKEN_TTL_S,
        **overrides: Any,
    ) -> str:
        return self.sign(claims(subject, roles, ttl_s=ttl_s, **overrides))


class StaticKeys:
    """A `KeySource` holding the public halves of some keys, without HTTP."""

    def __init__(self, *keys: SigningKey) -> None:
        self.keys = {key.kid: key.jwk for key in keys}

    async def key_for(self, kid: str) -> dict[str, Any] | None:
        return self.keys.get(kid)


def unsigned_token(subject: str = "intruder", roles: list[str] | None = None) -> str:
    """`alg: none`: a token anyone can write."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    payload = claims(subject, roles or ["admin"])
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(payload)}."


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class JwksServer:
    """identity's JWKS endpoint, stood in by a real HTTP app that counts its fetches."""

    def __init__(self, *keys: SigningKey) -> None:
        self.keys = list(keys)
        self.fetches = 0
        self.app = FastAPI()

        @self.app.get("/.well-known/jwks.json")
        async def jwks() -> dict[str, Any]:
            self.fetches += 1
            return {"keys": [key.jwk for key in self.keys]}


class TestIssuer:
    """Stands in for identity in one service's tests: a key pair, identity-like tokens, and the
    key source the service under test verifies them with."""

    def __init__(self, kid: str) -> None:
        self.key = SigningKey(kid=kid)

    def token(self, subject: str, *roles: str, scopes: Iterable[str] = ()) -> str:
        scope = " ".join(scopes)
        return self.key.token(
            subject, list(roles), ttl_s=TEST_TOKEN_TTL_S, **({"scope": scope} if scope else {})
        )

    def auth(self, subject: str, *roles: str, scopes: Iterable[str] = ()) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(subject, *roles, scopes=scopes)}"}

    def key_source(self) -> StaticKeys:
        return StaticKeys(self.key)
