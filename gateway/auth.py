"""Access-token checks at the gateway: identity's JWKS via the shared `TokenVerifier`, cached.

A token's signature is verified once; the resulting principal is remembered until the token
expires (tokens are immutable and live at most 15 minutes), so the hot path is a dict lookup.
A remembered token is still refused at once when its signing key leaves the JWKS or its
subject's access is revoked (both are dict lookups too). Only successful verifications are
remembered: a flood of forged tokens is slowed by the per-address rate limit in front of this,
and unknown `kid`s refetch the JWKS at most once per interval.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from dataclasses import dataclass

from shared.auth.jwt import JwksClient, Principal, RevocationCheck, TokenVerifier
from shared.problems import Unauthenticated


@dataclass(frozen=True, slots=True)
class _Verified:
    principal: Principal
    expires_at: float
    kid: str


def _segment(token: str, index: int, name: str) -> object:
    """One member of a verified token's header (0) or claims (1)."""
    try:
        part = token.split(".")[index]
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))[name]
    except (IndexError, ValueError, KeyError, TypeError, binascii.Error):
        return None


def _expiry(token: str) -> float:
    exp = _segment(token, 1, "exp")
    return float(exp) if isinstance(exp, int | float) else 0.0


class Authenticator:
    def __init__(
        self,
        *,
        jwks: JwksClient,
        issuer: str,
        audience: str,
        cache_size: int = 10_000,
        leeway_s: int = 30,
        revocations: RevocationCheck | None = None,
    ) -> None:
        self.jwks = jwks
        self._verifier = TokenVerifier(
            jwks, issuer=issuer, audience=audience, leeway_s=leeway_s, revocations=revocations
        )
        self._cache: dict[str, _Verified] = {}
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
            if cached.expires_at <= now:
                del self._cache[token]
                raise Unauthenticated("The access token has expired.")
            if await self.jwks.key_for(cached.kid) is None:
                del self._cache[token]
                raise Unauthenticated("The access token was signed with an unknown key.")
            self._verifier.check_revoked(cached.principal)
            return cached.principal
        principal = await self._verifier.verify(token)
        if self._cache_size > 0:
            if len(self._cache) >= self._cache_size:
                self._evict(now)
            self._cache[token] = _Verified(
                principal, _expiry(token), str(_segment(token, 0, "kid"))
            )
        return principal

    def _evict(self, now: float) -> None:
        expired = [token for token, entry in self._cache.items() if entry.expires_at <= now]
        for token in expired:
            del self._cache[token]
        # Still full: drop the oldest tenth (dicts keep insertion order).
        if len(self._cache) >= self._cache_size:
            for token in list(self._cache)[: max(1, self._cache_size // 10)]:
                del self._cache[token]

    async def aclose(self) -> None:
        await self.jwks.aclose()
