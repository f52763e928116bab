"""Security events from the OCPP edge, rate-limited so a hostile party cannot flood the tables.

Every security event costs a transaction, a `security_events` row and an outbox row (then a
Kafka record and an alert). A charger that sends poison in every frame, or a client that opens
handshakes in a loop, would turn each attempt into one; here each (source, kind) writes at most
one event per `ocpp_security_event_interval_s`. What was held back is not lost: the event's
`count` says how many attempts it stands for. The first attempt is written at once; the ones
held back after it are written as one event when the interval ends (or with the next attempt
after it, whichever comes first), so a consumer that counts attempts (operations' failed-logins
rule) sees every one without the edge writing one event per attempt.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import structlog
from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

log = structlog.get_logger(__name__)

Writer = Callable[[str | None, str, str | None, int], Coroutine[Any, Any, None]]
Spawner = Callable[[Coroutine[Any, Any, None]], asyncio.Task[Any]]
# Beyond this many sources with held-back counts, the oldest counts are forgotten (memory bound).
_MAX_HELD_BACK = 10_000


@dataclass
class _HeldBack:
    count: int
    # The charger id the attempts named; None once they named several (the event names none).
    cp_id: str | None
    detail: str | None


class SecurityEvents:
    def __init__(self, write: Writer, spawn: Spawner, interval_s: float) -> None:
        self._write = write
        self._spawn = spawn
        self._interval_s = max(1, round(interval_s))
        self._limiter = FixedWindowRateLimiter(MemoryStorage())
        self._item = RateLimitItemPerSecond(1, self._interval_s)
        self._held_back: dict[tuple[str, str], _HeldBack] = {}
        self._flushes: set[asyncio.Task[Any]] = set()

    def report(self, source: str, cp_id: str | None, kind: str, detail: str | None) -> bool:
        """Record the event unless this source had one of this kind within the interval."""
        key = (source, kind)
        if not self._limiter.hit(self._item, "security-event", source, kind):
            self._hold_back(key, cp_id, detail)
            return False
        self._emit(key, cp_id, kind, detail, 1)
        return True

    def _hold_back(self, key: tuple[str, str], cp_id: str | None, detail: str | None) -> None:
        held = self._held_back.get(key)
        if held is None:
            if len(self._held_back) >= _MAX_HELD_BACK:
                self._held_back.pop(next(iter(self._held_back)))
            self._held_back[key] = _HeldBack(1, cp_id, detail)
            # Written when the interval ends, even if no further attempt comes.
            task = self._spawn(self._flush_later(key))
            self._flushes.add(task)
            task.add_done_callback(self._flushes.discard)
        else:
            held.count += 1
            held.detail = detail
            if held.cp_id != cp_id:
                held.cp_id = None
        log.debug("connectivity.security_event.held_back", source=key[0], kind=key[1])

    def _emit(
        self, key: tuple[str, str], cp_id: str | None, kind: str, detail: str | None, count: int
    ) -> None:
        held = self._held_back.pop(key, None)
        if held is not None:
            count += held.count
            if held.cp_id != cp_id:
                cp_id = None
            detail = f"{detail or ''} (+{held.count} more held back)".strip()
        log.warning(
            "connectivity.security_event",
            source=key[0],
            charge_point_id=cp_id,
            kind=kind,
            count=count,
        )
        self._spawn(self._write(cp_id, kind, detail, count))

    async def _flush_later(self, key: tuple[str, str]) -> None:
        """At the end of the interval, the attempts held back since its event are written as one."""
        while key in self._held_back:
            await asyncio.sleep(self._interval_s)
            held = self._held_back.get(key)
            if held is None:
                return
            if self._limiter.hit(self._item, "security-event", *key):
                self._held_back.pop(key)
                detail = f"{held.detail or ''} ({held.count} held back)".strip()
                self._emit(key, held.cp_id, key[1], detail, held.count)
                return

    def close(self) -> None:
        """Shutdown: stop waiting for interval ends; what is still held back is only logged."""
        for task in list(self._flushes):
            task.cancel()
        if self._held_back:
            log.warning(
                "connectivity.security_event.held_back_at_shutdown",
                sources=len(self._held_back),
                attempts=sum(held.count for held in self._held_back.values()),
            )
            self._held_back.clear()
