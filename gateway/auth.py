"""Access-token checks at the gateway: identity's JWKS via the shared `TokenVerifier`, cached.

A token's signature is verified once; the resulting principal is remembered until the token
expires (tokens are immutable and live at most 15 minutes), so the hot path is a dict lookup.
Only successful verifications are remembered: a flood of forged tokens is slowed by the per-address
rate limit in front of this, and unknown `kid`s refetch the JWKS at most once per interval.
"""

from __future__ import annotations

import base64
import binascii
import json
import time

from shared.auth.jwt import JwksClient, Principal, TokenVerifier
from shared.problems import Unauthenticated


def _expiry(token: str) -> float:
    """The `exp` claim of a token whose signature was already verified."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return float(claims["exp"])
    except (IndexError, ValueError, KeyError, TypeError, binascii.Error):
        return 0.0


class Authenticator:
    def __init__(
        self, *, jwks: JwksClient, issuer: str, audience: str, cache_size: int = 10_000
    ) -> None:
        self.jwks = jwks
        self._verifier = TokenVerifier(jwks, issuer=issuer, audience=audience)
        self._cache: dict[str, tuple[Principal, float]] = {}
        self._cache_size = cache_size

    async def principal(self, authorization: bytes | None) -> Principal:
        """The caller of a request with this Authorization header; raises `Unauthenticated`."""
        if not authorization:
            raise Unauthenticated("An access token is required.")
        scheme, _, token_bytes = authorization.partition(b" ")
        if scheme.lower() != b"bearer" or not token_bytes:
            raise Unauthenticated("An access token is required (Authorization: Bearer ...).")
        token = token_bytes.strip().decode("latin-1")
        cached = self._cache.get(token)
        now = time.time()
        if cached is not None:
            if cached[1] > now:
                return cached[0]
            del self._cache[token]
            raise Unauthenticated("The access token has expired.")
        principal = await self._verifier.verify(token)
        if self._cache_size > 0:
            if len(self._cache) >= self._cache_size:
                self._evict(now)
            self._cache[token] = (principal, _expiry(token))
        return principal

    def _evict(self, now: float) -> None:
        expired = [token for token, (_, exp) in self._cache.items() if exp <= now]
        for token in expired:
            del self._cache[token]
        # Still full: drop the oldest tenth (dicts keep insertion order).
        if len(self._cache) >= self._cache_size:
            for token in list(self._cache)[: max(1, self._cache_size // 10)]:
                del self._cache[token]

    async def aclose(self) -> None:
        await self.jwks.aclose()
