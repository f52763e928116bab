"""Test helpers for the gateway: a real ES256 signing key with its JWKS served over HTTP, tokens,
and a small upstream whose answers are under the test's control (echo, slow, large)."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from jose import jwt

ISSUER = "ladda-identity"
AUDIENCE = "ladda"


def _b64(value: int) -> str:
    return base64.urlsafe_b64encode(value.to_bytes(32, "big")).rstrip(b"=").decode()


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

    def token(
        self,
        subject: str | None = None,
        roles: list[str] | None = None,
        *,
        ttl_s: int = 600,
        **overrides: Any,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": subject or str(uuid.uuid4()),
            "roles": roles if roles is not None else ["driver"],
            "iat": now,
            "exp": now + ttl_s,
            "jti": uuid.uuid4().hex,
        }
        claims.update(overrides)
        return str(
            jwt.encode(claims, self.pem.decode(), algorithm="ES256", headers={"kid": self.kid})
        )


def unsigned_token(subject: str = "intruder", roles: list[str] | None = None) -> str:
    """`alg: none`: a token anyone can write."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": subject,
        "roles": roles or ["admin"],
        "iat": now,
        "exp": now + 600,
    }
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


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


def echo_app() -> FastAPI:
    """An upstream that shows what it received, and can be slow or stream a large answer."""
    app = FastAPI()

    async def echo(request: Request) -> JSONResponse:
        body = await request.body()
        return JSONResponse(
            {
                "method": request.method,
                "path": request.url.path,
                "query": request.url.query,
                "headers": {k: v for k, v in request.headers.items()},
                "body_bytes": len(body),
            }
        )

    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        app.add_api_route(
            "/v1/support/echo", echo, methods=[method], operation_id=f"echo_{method.lower()}"
        )

    @app.get("/v1/support/slow")
    async def slow(seconds: float = 2.0) -> dict[str, str]:
        await asyncio.sleep(seconds)
        return {"status": "late"}

    @app.get("/v1/support/stream")
    async def stream(chunks: int = 64) -> StreamingResponse:
        async def produce() -> Any:
            for index in range(chunks):
                yield f"{index:08d}".encode() * 1024
                await asyncio.sleep(0)

        return StreamingResponse(produce(), media_type="application/octet-stream")

    return app
