"""Handshake hygiene: what is refused before any database work, and how often per address.

- A charge point id that can never be valid (empty, over 48 characters, a character outside
  OCPP 2.0.1's identifierString set `a-z A-Z 0-9 * - _ = : + | @ .`, which excludes NUL) is
  refused at once: it never reaches the shared credentials batch.
- Refused handshakes are counted per client address (`ocpp_handshake_refusals`, a `limits`
  rate such as `30/minute`); past that, every handshake from the address is answered 429 with
  Retry-After until the window ends — no credential check, no event.
- Security events for refusals: at most one per (address, kind) per interval (see security.py).
- `ocpp_max_connections_per_address` (0 = no cap) bounds live connections from one address.
"""

from __future__ import annotations

import math
import re
import time

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from services.connectivity.settings import Settings

# OCPP 2.0.1 identifierString, at most 48 characters (the charging station identity's limit).
VALID_ID = re.compile(r"[A-Za-z0-9*\-_=:+|@.]{1,48}")
_MAX_BLOCKED = 100_000


def can_be_valid(cp_id: str) -> bool:
    return VALID_ID.fullmatch(cp_id) is not None


def printable(cp_id: str) -> str:
    """An id fit for a log line or an event: escaped, at most 64 characters."""
    return cp_id.encode("ascii", "backslashreplace").decode()[:64]


class HandshakeGuard:
    def __init__(self, settings: Settings) -> None:
        self._limiter = FixedWindowRateLimiter(MemoryStorage())
        self._refusals = parse(settings.ocpp_handshake_refusals)
        self._max_per_address = settings.ocpp_max_connections_per_address
        # Addresses over their refusal budget → when they may try again (time.time()).
        self._blocked: dict[str, float] = {}
        self._open: dict[str, int] = {}

    def retry_after(self, address: str) -> int | None:
        """Seconds an address must wait before its next handshake, or None (the hot path)."""
        until = self._blocked.get(address)
        if until is None:
            return None
        left = until - time.time()
        if left <= 0:
            del self._blocked[address]
            return None
        return max(1, math.ceil(left))

    def refused(self, address: str) -> None:
        """Count a refusal; the one that spends the address's budget blocks it."""
        self._limiter.hit(self._refusals, "handshake-refusals", address)
        stats = self._limiter.get_window_stats(self._refusals, "handshake-refusals", address)
        if stats.remaining > 0:
            return
        if len(self._blocked) >= _MAX_BLOCKED:
            now = time.time()
            self._blocked = {a: t for a, t in self._blocked.items() if t > now}
        self._blocked[address] = stats.reset_time

    def may_open(self, address: str) -> bool:
        return not self._max_per_address or self._open.get(address, 0) < self._max_per_address

    def opened(self, address: str) -> None:
        self._open[address] = self._open.get(address, 0) + 1

    def closed(self, address: str) -> None:
        left = self._open.get(address, 0) - 1
        if left > 0:
            self._open[address] = left
        else:
            self._open.pop(address, None)
