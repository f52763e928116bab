"""What the fleet did, counted as it happens: the live view reads it, the summary reports it.

One `FleetStats` is shared by every station of a run. Counters only go up, so a reader (the
live view, a chaos run polling for 200 sessions) never needs a lock on the event loop.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

# Errors kept for the live view and the summary; older ones are only counted.
RECENT_ERRORS = 20


@dataclass
class FleetStats:
    started_at: float = field(default_factory=time.time)
    # Sessions: a start sent (or queued), acknowledged Accepted, refused, and ended (stop sent).
    sessions_started: int = 0
    sessions_accepted: int = 0
    sessions_refused: int = 0
    sessions_completed: int = 0
    energy_wh: int = 0
    # Commands the CSMS sent, by OCPP action.
    commands: Counter[str] = field(default_factory=Counter)
    # Transaction-related messages (Start/Stop/TransactionEvent, MeterValues of a transaction).
    tx_sent: int = 0
    tx_queued_offline: int = 0
    tx_replayed: int = 0
    tx_refused: int = 0
    tx_timeouts: int = 0
    tx_dropped: int = 0
    connects: int = 0
    disconnects: int = 0
    events_applied: list[str] = field(default_factory=list)
    errors: int = 0
    recent_errors: deque[str] = field(default_factory=lambda: deque(maxlen=RECENT_ERRORS))

    def error(self, message: str) -> None:
        self.errors += 1
        self.recent_errors.append(f"{time.strftime('%H:%M:%S')} {message}")


@dataclass(frozen=True)
class ChargerState:
    """One charger as the summary and the live view show it."""

    id: str
    ocpp_version: str
    online: bool
    connectors: dict[int, str]
    active_sessions: int
    queued_messages: int


def charger_state(station: Any) -> ChargerState:
    return ChargerState(
        id=station.spec.id,
        ocpp_version=station.spec.ocpp_version,
        online=station.link is not None and station.booted,
        connectors=dict(station.status),
        active_sessions=len(station.sessions),
        queued_messages=len(station.outbox),
    )


def summary(stats: FleetStats, stations: list[Any], scenario: str = "") -> dict[str, Any]:
    """The run as a JSON-ready dict (`Simulation.summary()`; `--summary-json FILE`)."""
    chargers = [charger_state(s) for s in stations]
    by_status: Counter[str] = Counter(status for c in chargers for status in c.connectors.values())
    return {
        "scenario": scenario,
        "wall_seconds": round(time.time() - stats.started_at, 1),
        "chargers": {
            "total": len(chargers),
            "online": sum(c.online for c in chargers),
            "by_version": dict(Counter(c.ocpp_version for c in chargers)),
            "connectors_by_status": dict(sorted(by_status.items())),
        },
        "sessions": {
            "started": stats.sessions_started,
            "accepted": stats.sessions_accepted,
            "refused": stats.sessions_refused,
            "completed": stats.sessions_completed,
            "active": sum(c.active_sessions for c in chargers),
        },
        "energy_kwh": round(stats.energy_wh / 1000, 3),
        "commands": dict(sorted(stats.commands.items())),
        "transaction_messages": {
            "sent": stats.tx_sent,
            "queued_offline": stats.tx_queued_offline,
            "replayed": stats.tx_replayed,
            "refused": stats.tx_refused,
            "timeouts": stats.tx_timeouts,
            "dropped": stats.tx_dropped,
            "pending": sum(c.queued_messages for c in chargers),
        },
        "connections": {"connects": stats.connects, "disconnects": stats.disconnects},
        "events": list(stats.events_applied),
        "errors": {"count": stats.errors, "recent": list(stats.recent_errors)},
    }
