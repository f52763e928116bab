"""The service's ES256 signing keys: create, rotate, sign access tokens, publish the JWKS.

Private keys are stored encrypted (PKCS#8, the passphrase from settings) and decrypted only
in this process; they are never returned by an endpoint nor logged. identity verifies its own
tokens through `SigningKeys.key_for` (a `KeySource`), without an HTTP call to itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jose import jwt
from pydantic import SecretStr

from services.identity.audit import repository as audit
from services.identity.keys import repository
from shared.db import Connection
from shared.service import ServiceRuntime

log = structlog.get_logger(__name__)

ALGORITHM = "ES256"
# A retired key stays published this much longer than the longest token it can have signed,
# covering clock skew and replicas that read the active key just before the rotation.
PUBLICATION_MARGIN = timedelta(minutes=2)
# How long the verifier trusts its cached copy of the published keys.
_KEY_CACHE_S = 30.0


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_jwk(key: ec.EllipticCurvePrivateKey) -> dict[str, Any]:
    numbers = key.public_key().public_numbers()
    members = {
        "crv": "P-256",
        "kty": "EC",
        "x": _b64url(numbers.x.to_bytes(32, "big")),
        "y": _b64url(numbers.y.to_bytes(32, "big")),
    }
    # RFC 7638 thumbprint as kid: stable, derived from the public key alone.
    thumbprint = hashlib.sha256(
        json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    ).digest()
    return {**members, "kid": _b64url(thumbprint), "alg": ALGORITHM, "use": "sig"}


class SigningKeys:
    def __init__(
        self, runtime: ServiceRuntime, *, passphrase: SecretStr, access_token_ttl_s: int
    ) -> None:
        self._runtime = runtime
        self._passphrase = passphrase
        self.access_token_ttl_s = access_token_ttl_s
        self._private: dict[str, ec.EllipticCurvePrivateKey] = {}
        self._public: dict[str, dict[str, Any]] = {}
        self._public_loaded_at = float("-inf")

    # -- keys ------------------------------------------------------------------------------

    def _new_key(self) -> tuple[str, bytes, dict[str, Any]]:
        key = ec.generate_private_key(ec.SECP256R1())
        jwk = public_jwk(key)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self._passphrase.get_secret_value().encode()),
        )
        self._private[jwk["kid"]] = key
        return jwk["kid"], pem, jwk

    async def ensure_active(self, conn: Connection) -> str:
        """The active key's kid; makes the first key when there is none (replica-safe)."""
        await repository.lock_keys(conn)
        row = await repository.active_key(conn)
        if row is not None:
            return str(row["kid"])
        kid, pem, jwk = self._new_key()
        await repository.insert_key(conn, kid, pem, jwk)
        log.info("identity.signing_key.created", kid=kid)
        return kid

    async def rotate(
        self, conn: Connection, *, actor_id: str = "schedule", address: str | None = None
    ) -> tuple[str, str | None]:
        """Retire the active key (still published until its tokens expired) and make a new one."""
        await repository.lock_keys(conn)
        published_until = (
            datetime.now(UTC) + timedelta(seconds=self.access_token_ttl_s) + PUBLICATION_MARGIN
        )
        retired = await repository.retire_active(conn, published_until)
        kid, pem, jwk = self._new_key()
        await repository.insert_key(conn, kid, pem, jwk)
        self._public_loaded_at = float("-inf")
        await audit.record(
            conn,
            "signing_key.rotated",
            actor_id=actor_id,
            subject_id=kid,
            client_address=address,
            details={"retired_kid": retired},
        )
        log.info("identity.signing_key.rotated", kid=kid, retired_kid=retired)
        return kid, retired

    async def rotate_if_due(self, conn: Connection, max_age_s: int) -> str | None:
        if max_age_s <= 0:
            return None
        await repository.lock_keys(conn)
        row = await repository.active_key(conn)
        if row is not None and datetime.now(UTC) - row["created_at"] < timedelta(seconds=max_age_s):
            return None
        kid, _ = await self.rotate(conn)
        return kid

    def _load_private(self, kid: str, pem: bytes) -> ec.EllipticCurvePrivateKey:
        key = self._private.get(kid)
        if key is None:
            loaded = serialization.load_pem_private_key(
                pem, password=self._passphrase.get_secret_value().encode()
            )
            if not isinstance(loaded, ec.EllipticCurvePrivateKey):
                raise TypeError(f"signing key {kid} is not an EC key")
            key = self._private[kid] = loaded
        return key

    # -- signing ---------------------------------------------------------------------------

    async def issue_access_token(
        self,
        conn: Connection,
        *,
        subject: str,
        roles: list[str],
        issuer: str,
        audience: str,
        scope: str | None = None,
    ) -> str:
        # The active kid is read in the caller's transaction on every issue, so a rotation made
        # by another replica takes effect at once and a retired key signs nothing new.
        row = await repository.active_key(conn)
        if row is None:
            kid = await self.ensure_active(conn)
            pem = await repository.private_key(conn, kid)
            assert pem is not None
        else:
            kid, pem = str(row["kid"]), bytes(row["private_pem_encrypted"])
        key = self._load_private(kid, pem)
        # Milliseconds in `iat` (a NumericDate may have a fraction, RFC 7519 §2): a revocation
        # at 12:00:00.400 must not also refuse a token issued after it, at 12:00:00.700.
        now = round(time.time(), 3)
        claims: dict[str, Any] = {
            "iss": issuer,
            "aud": audience,
            "sub": subject,
            "roles": roles,
            "iat": now,
            "nbf": int(now),
            "exp": int(now) + self.access_token_ttl_s,
            "jti": uuid.uuid4().hex,
        }
        if scope is not None:
            claims["scope"] = scope  # RFC 9068 §2.2.3: space-separated
        token: str = jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": kid})
        return token

    # -- publishing and verifying ------------------------------------------------------------

    async def jwks(self, conn: Connection) -> dict[str, Any]:
        rows = await repository.published_keys(conn)
        return {"keys": [dict(row["public_jwk"]) for row in rows]}

    async def key_for(self, kid: str) -> dict[str, Any] | None:
        """`KeySource` for identity's own `TokenVerifier`: published keys, cached briefly."""
        stale = time.monotonic() - self._public_loaded_at >= _KEY_CACHE_S
        if stale or kid not in self._public:
            await self._reload_public(force=stale)
        return self._public.get(kid)

    async def _reload_public(self, *, force: bool) -> None:
        # An unknown kid reloads at most once a second, so garbage kids cannot flood the DB.
        if not force and time.monotonic() - self._public_loaded_at < 1.0:
            return
        pool = self._runtime.pool
        if pool is None:
            return
        async with pool.acquire() as conn:
            rows = await repository.published_keys(conn)
        self._public = {str(row["kid"]): dict(row["public_jwk"]) for row in rows}
        self._public_loaded_at = time.monotonic()
