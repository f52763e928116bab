"""Verify Ladda access tokens (ES256 JWTs from identity) against identity's JWKS.

python-jose stays behind this module so it can be swapped. Only asymmetric ES256 is accepted:
`alg: none`, HS256 "signed with the public key" and any other algorithm are refused before a key
is even looked up.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import structlog
from jose import jwt
from jose.exceptions import ExpiredSignatureError, JWTError

from shared.problems import Unauthenticated

log = structlog.get_logger(__name__)

ALGORITHM = "ES256"
STAFF_ROLES = frozenset({"operator", "support", "admin"})


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user (driver, operator, support, admin) or a service account."""

    subject: str
    roles: frozenset[str]
    token_id: str | None = None
    # Explicit permissions of a service account (RFC 9068 `scope` claim), e.g. `commands:reserve`.
    scopes: frozenset[str] = frozenset()

    def has_any(self, roles: Iterable[str]) -> bool:
        return not self.roles.isdisjoint(roles)

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def is_staff(self) -> bool:
        return self.has_any(STAFF_ROLES) or self.is_service

    @property
    def is_service(self) -> bool:
        return "service" in self.roles


class KeySource(Protocol):
    async def key_for(self, kid: str) -> dict[str, Any] | None: ...


class JwksClient:
    """Caches identity's JWKS; refetches on an unknown `kid`, at most once per interval."""

    def __init__(
        self,
        url: str,
        *,
        http: httpx.AsyncClient | None = None,
        min_refetch_interval: float = 10.0,
        timeout: float = 3.0,
    ) -> None:
        self._url = url
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at = float("-inf")
        self._min_interval = min_refetch_interval
        self._lock = asyncio.Lock()
        self.fetches = 0

    async def key_for(self, kid: str) -> dict[str, Any] | None:
        if kid in self._keys:
            return self._keys[kid]
        async with self._lock:
            if kid not in self._keys and time.monotonic() - self._fetched_at >= self._min_interval:
                await self._refresh()
        return self._keys.get(kid)

    async def _refresh(self) -> None:
        self._fetched_at = time.monotonic()
        self.fetches += 1
        try:
            response = await self._http.get(self._url)
            response.raise_for_status()
            keys = response.json().get("keys", [])
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("auth.jwks.fetch_failed", url=self._url, error=repr(exc))
            return
        self._keys = {key["kid"]: key for key in keys if "kid" in key}

    async def aclose(self) -> None:
        await self._http.aclose()


class TokenVerifier:
    def __init__(self, keys: KeySource, *, issuer: str, audience: str) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except JWTError:
            raise Unauthenticated("The access token is malformed.") from None
        if header.get("alg") != ALGORITHM:
            raise Unauthenticated("The access token is not signed with an accepted algorithm.")
        kid = header.get("kid")
        key = await self._keys.key_for(kid) if isinstance(kid, str) else None
        if key is None:
            raise Unauthenticated("The access token was signed with an unknown key.")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                # python-jose skips the audience check when the claim is absent: require it.
                options={
                    "require_exp": True,
                    "require_sub": True,
                    "require_iat": True,
                    "require_aud": True,
                    "require_iss": True,
                },
            )
        except ExpiredSignatureError:
            raise Unauthenticated("The access token has expired.") from None
        except JWTError:
            raise Unauthenticated("The access token is not valid.") from None
        roles = claims.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise Unauthenticated("The access token is not valid.")
        scope = claims.get("scope", "")
        if not isinstance(scope, str):
            raise Unauthenticated("The access token is not valid.")
        return Principal(
            subject=str(claims["sub"]),
            roles=frozenset(roles),
            token_id=claims.get("jti"),
            scopes=frozenset(scope.split()),
        )
