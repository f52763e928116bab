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
# Clocks of the machines that issue and verify tokens differ a little: `nbf` and `iat` may lie
# this far in the future (seconds). `exp` is strict.
DEFAULT_LEEWAY_S = 30


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user (driver, operator, support, admin) or a service account."""

    subject: str
    roles: frozenset[str]
    token_id: str | None = None
    # Explicit permissions of a service account (RFC 9068 `scope` claim), e.g. `commands:reserve`.
    scopes: frozenset[str] = frozenset()
    # The token's `iat` (seconds since the epoch): a revocation applies to tokens issued before it.
    issued_at: float = 0.0

    def has_any(self, roles: Iterable[str]) -> bool:
        return not self.roles.isdisjoint(roles)

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def is_staff(self) -> bool:
        """A person on the operator's staff. Service accounts are not staff: they hold scopes."""
        return self.has_any(STAFF_ROLES)

    @property
    def is_service(self) -> bool:
        return "service" in self.roles


class KeySource(Protocol):
    async def key_for(self, kid: str) -> dict[str, Any] | None: ...


class RevocationCheck(Protocol):
    def revoked(self, subject: str, issued_at: float) -> bool: ...


class JwksClient:
    """Caches identity's JWKS.

    The whole document is refetched when it is older than `ttl` (so a key identity stopped
    publishing is dropped within `ttl`), and on an unknown `kid` at most once per
    `min_refetch_interval` (so a new key is usable at once and garbage kids cannot hammer
    identity). A failed fetch keeps the last good keys.
    """

    def __init__(
        self,
        url: str,
        *,
        http: httpx.AsyncClient | None = None,
        min_refetch_interval: float = 10.0,
        ttl: float = 300.0,
        timeout: float = 3.0,
    ) -> None:
        self._url = url
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at = float("-inf")
        self._min_interval = min_refetch_interval
        self._ttl = ttl
        self._lock = asyncio.Lock()
        self.fetches = 0

    async def key_for(self, kid: str) -> dict[str, Any] | None:
        age = time.monotonic() - self._fetched_at
        if kid in self._keys and age < self._ttl:
            return self._keys[kid]
        async with self._lock:
            age = time.monotonic() - self._fetched_at
            if age >= self._ttl or (kid not in self._keys and age >= self._min_interval):
                await self._refresh()
        return self._keys.get(kid)

    async def _refresh(self) -> None:
        self._fetched_at = time.monotonic()
        self.fetches += 1
        try:
            response = await self._http.get(self._url)
            response.raise_for_status()
            keys = response.json().get("keys", [])
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            log.warning("auth.jwks.fetch_failed", url=self._url, error=repr(exc))
            return
        self._keys = {key["kid"]: key for key in keys if isinstance(key, dict) and "kid" in key}

    async def aclose(self) -> None:
        await self._http.aclose()


class TokenVerifier:
    def __init__(
        self,
        keys: KeySource,
        *,
        issuer: str,
        audience: str,
        leeway_s: int = DEFAULT_LEEWAY_S,
        revocations: RevocationCheck | None = None,
    ) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_s
        self.revocations = revocations

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
                    # `nbf` is checked below with the leeway; `exp` stays strict.
                    "verify_nbf": False,
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
        issued_at, not_before = claims["iat"], claims.get("nbf", 0)
        latest = time.time() + self._leeway
        if not isinstance(issued_at, int | float) or not isinstance(not_before, int | float):
            raise Unauthenticated("The access token is not valid.")
        if issued_at > latest or not_before > latest:
            # Beyond the clock-skew leeway: not valid yet (python-jose never checks `iat`).
            raise Unauthenticated("The access token is not valid yet.")
        principal = Principal(
            subject=str(claims["sub"]),
            roles=frozenset(roles),
            token_id=claims.get("jti"),
            scopes=frozenset(scope.split()),
            issued_at=float(issued_at),
        )
        self.check_revoked(principal)
        return principal

    def check_revoked(self, principal: Principal) -> None:
        """Refuse a token issued before its subject's access was revoked (roles, disable...)."""
        if self.revocations is not None and self.revocations.revoked(
            principal.subject, principal.issued_at
        ):
            raise Unauthenticated("The access token was revoked; refresh it or log in again.")
