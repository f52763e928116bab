"""Events of charging sessions (published by connectivity on `charging.sessions.v1`, keyed by charger)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from shared.events.envelope import EventPayload
from shared.events.topics import CHARGING_SESSIONS, Topic


class SessionStarted(EventPayload):
    event_type: ClassVar[str] = "session.started"
    topic: ClassVar[Topic] = CHARGING_SESSIONS

    session_id: str
    charge_point_id: str
    connector_id: int
    evse_id: int | None = None
    transaction_id: str
    id_tag: str | None
    user_id: str | None
    authorization: str
    reservation_id: int | None = None
    started_at: datetime
    meter_start_wh: int


class SessionUpdated(EventPayload):
    """Progress of a live session; throttled per session (see connectivity's README)."""

    event_type: ClassVar[str] = "session.updated"
    topic: ClassVar[Topic] = CHARGING_SESSIONS

    session_id: str
    charge_point_id: str
    energy_wh: int
    power_w: float | None = None
    soc_percent: float | None = None
    at: datetime


class SessionStopped(EventPayload):
    event_type: ClassVar[str] = "session.stopped"
    topic: ClassVar[Topic] = CHARGING_SESSIONS

    session_id: str
    charge_point_id: str
    connector_id: int
    # 2.0.1: the EVSE of the session (its connector_id is the connector within the EVSE);
    # None for 1.6. The EVSE is what booking, operations and analytics call the connector.
    evse_id: int | None = None
    transaction_id: str
    id_tag: str | None
    user_id: str | None
    started_at: datetime
    stopped_at: datetime
    duration_s: int
    energy_wh: int
    stop_reason: str | None
    # When the car last drew power: the last meter sample of the session with power above
    # connectivity's `drawing_power_threshold_w` (the session start when none was above it);
    # None when the charger sent no power samples. Idle fees are charged after it.
    charging_ended_at: datetime | None = None
