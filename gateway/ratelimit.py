"""Rate limits per client address and per user, with the `limits` library (moving window).

In-process memory by default; a shared store (`async+redis://...`) makes several gateway
replicas count together. If the shared store fails, requests are let through and the failure
is logged and counted: an outage of the limiter must not take the API down with it.
"""

from __future__ import annotations

import math
import time

import structlog
from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from gateway.metrics import RATE_LIMITER_ERRORS

log = structlog.get_logger(__name__)


class RateLimits:
    def __init__(self, *, per_user: str, per_address: str, storage_uri: str) -> None:
        storage = storage_from_string(storage_uri)
        self._limiter = MovingWindowRateLimiter(storage)
        self._per_user: RateLimitItem = parse(per_user)
        self._per_address: RateLimitItem = parse(per_address)

    async def address(self, address: str) -> int | None:
        """None when the address may go on, else the seconds to wait (Retry-After)."""
        return await self._hit(self._per_address, "address", address)

    async def user(self, subject: str) -> int | None:
        return await self._hit(self._per_user, "user", subject)

    async def _hit(self, item: RateLimitItem, kind: str, key: str) -> int | None:
        try:
            if await self._limiter.hit(item, kind, key):
                return None
            stats = await self._limiter.get_window_stats(item, kind, key)
        except Exception as exc:
            RATE_LIMITER_ERRORS.inc()
            log.warning("gateway.rate_limiter_failed", error=repr(exc))
            return None
        return max(1, math.ceil(stats.reset_time - time.time()))
