"""Security events from the OCPP edge, rate-limited so a hostile party cannot flood the tables.

Every security event costs a transaction, a `security_events` row and an outbox row (then a
Kafka record and an alert). A charger that sends poison in every frame, or a client that opens
handshakes in a loop, would turn each attempt into one; here each (source, kind) writes at most
one event per `ocpp_security_event_interval_s`, and what was held back is counted in the log
and in the next event's detail.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import structlog
from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

log = structlog.get_logger(__name__)

Writer = Callable[[str | None, str, str | None], Coroutine[Any, Any, None]]
Spawner = Callable[[Coroutine[Any, Any, None]], object]
# Beyond this many sources with held-back counts, the oldest counts are forgotten (memory bound).
_MAX_HELD_BACK = 10_000


class SecurityEvents:
    def __init__(self, write: Writer, spawn: Spawner, interval_s: float) -> None:
        self._write = write
        self._spawn = spawn
        self._limiter = FixedWindowRateLimiter(MemoryStorage())
        self._item = RateLimitItemPerSecond(1, max(1, round(interval_s)))
        self._held_back: dict[tuple[str, str], int] = {}

    def report(self, source: str, cp_id: str | None, kind: str, detail: str | None) -> bool:
        """Record the event unless this source had one of this kind within the interval."""
        key = (source, kind)
        if not self._limiter.hit(self._item, "security-event", source, kind):
            if key not in self._held_back and len(self._held_back) >= _MAX_HELD_BACK:
                self._held_back.pop(next(iter(self._held_back)))
            self._held_back[key] = self._held_back.get(key, 0) + 1
            log.debug("connectivity.security_event.held_back", source=source, kind=kind)
            return False
        held = self._held_back.pop(key, 0)
        if held:
            detail = f"{detail or ''} (+{held} more held back)".strip()
        log.warning("connectivity.security_event", source=source, charge_point_id=cp_id, kind=kind)
        self._spawn(self._write(cp_id, kind, detail))
        return True
