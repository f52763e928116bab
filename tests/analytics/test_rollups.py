"""Daily rollups through the real Kafka and PostgreSQL: exact rows per connector-day, late
(out-of-order) events recompute the days they change, and the ranking from the rollups equals
the ranking computed live."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from services.analytics.stats import ranking
from shared.events.chargepoints import (
    ChargePointConnected,
    ChargePointLocation,
    ChargePointRegistered,
    ConnectorStatusChanged,
)
from shared.events.charging import SessionStopped
from shared.events.envelope import Envelope
from tests.analytics.scenario import at
from tests.analytics.support import (
    OPERATOR,
    Analytics,
    envelope,
    own_topics,
    publish,
    rollups_current,
    running_analytics,
)
from tests.helpers.polling import eventually

CP = f"CP-ROLL-{uuid.uuid4().hex[:8]}"
RANGE = {"from": "2026-03-10", "to": "2026-03-11"}
HOUR_US = 3_600_000_000


def _status(value: str, when: str, code: str | None = None) -> tuple[str, Envelope]:
    return CP, envelope(
        ConnectorStatusChanged(
            charge_point_id=CP, connector_id=1, status=value, error_code=code, at=at(when)
        )
    )


def _session(n: int, start: str, end: str, charged: str) -> tuple[str, Envelope]:
    stop = SessionStopped(
        session_id=f"{CP}-{n}", charge_point_id=CP, connector_id=1, transaction_id=str(n),
        id_tag=None, user_id="driver-roll", started_at=at(start), stopped_at=at(end),
        duration_s=int((at(end) - at(start)).total_seconds()), energy_wh=10000,
        stop_reason="Local", charging_ended_at=at(charged),
    )  # fmt: skip
    return CP, envelope(stop)


@pytest.fixture(scope="module")
async def topics() -> AsyncIterator[dict[str, str]]:
    registry = ChargePointRegistered(
        charge_point_id=CP, ocpp_version="1.6", vendor="V", model="M", serial_number=None,
        firmware_version=None, connectors=1, approval="approved",
        location=ChargePointLocation(site_name="Roll", address=None),
    )  # fmt: skip
    online = ChargePointConnected(
        charge_point_id=CP, ocpp_version="1.6", at=at("2026-03-09T23:00:00")
    )
    async with own_topics() as names:
        await publish(names["registry_topic"], [(CP, envelope(registry))])
        # Local 10 March (CET) is 09T23:00Z..10T23:00Z: faulted 6 h, one session of 2 h.
        await publish(
            names["status_topic"],
            [
                (CP, envelope(online)),
                _status("Available", "2026-03-09T23:00:00"),
                _status("Faulted", "2026-03-10T11:00:00", "GroundFailure"),
                _status("Available", "2026-03-10T17:00:00"),
            ],
        )
        await publish(
            names["sessions_topic"],
            [_session(1, "2026-03-10T08:00:00", "2026-03-10T10:00:00", "2026-03-10T09:30:00")],
        )
        yield names


@pytest.fixture(scope="module")
async def analytics(topics: dict[str, str]) -> AsyncIterator[Analytics]:
    async with running_analytics("test_analytics_rollups", topics) as service:

        async def ingested() -> bool:
            return await service.pool.fetchval("select count(*) from inbox") == 6

        await eventually(ingested, timeout=60, interval=0.2)
        await rollups_current(service)
        yield service


async def _days(service: Analytics) -> dict[date, dict[str, Any]]:
    rows = await service.pool.fetch(
        """select * from connector_days where charge_point_id = $1
            and day between '2026-03-10' and '2026-03-11' order by day""",
        CP,
    )
    return {row["day"]: dict(row) for row in rows}


async def _ranked(service: Analytics) -> dict[str, Any]:
    response = await service.http.get(
        "/v1/stats/network/stations", params={"order": "uptime", **RANGE}, headers=OPERATOR
    )
    assert response.status_code == 200, response.text
    [row] = [r for r in response.json() if r["charge_point_id"] == CP]
    found: dict[str, Any] = row
    return found


async def test_rollups_hold_exact_days_and_late_events_recompute_them(
    analytics: Analytics, topics: dict[str, str]
) -> None:
    days = await _days(analytics)
    tenth, eleventh = days[date(2026, 3, 10)], days[date(2026, 3, 11)]
    assert (tenth["sessions"], tenth["energy_wh"], tenth["faults"]) == (1, 10000, 1)
    assert (tenth["occupied_us"], tenth["charging_us"]) == (2 * HOUR_US, HOUR_US * 3 // 2)
    assert (tenth["up_us"], tenth["known_us"]) == (18 * HOUR_US, 24 * HOUR_US)
    # Nothing happened on the 11th, yet the state carried from the 10th is rolled up.
    assert (eleventh["sessions"], eleventh["up_us"], eleventh["known_us"]) == (
        0,
        24 * HOUR_US,
        24 * HOUR_US,
    )
    row = await _ranked(analytics)
    assert (row["occupied_pct"], row["uptime_pct"], row["sessions"]) == (4.167, 87.5, 1)

    # Late events for the 11th, long after it was rolled up: a 4 h session, 2 h faulted.
    await publish(
        topics["sessions_topic"],
        [_session(2, "2026-03-11T10:00:00", "2026-03-11T14:00:00", "2026-03-11T13:00:00")],
    )
    await publish(
        topics["status_topic"],
        [
            _status("Available", "2026-03-11T22:00:00"),
            _status("Faulted", "2026-03-11T20:00:00", "HighTemperature"),
        ],
    )

    async def recomputed() -> bool:
        day = (await _days(analytics)).get(date(2026, 3, 11), {})
        return day.get("sessions") == 1 and day.get("faults") == 1

    await eventually(recomputed, timeout=60, interval=0.2)
    await rollups_current(analytics)
    row = await _ranked(analytics)
    assert (row["occupied_pct"], row["uptime_pct"], row["sessions"]) == (12.5, 83.333, 2)


async def test_the_ranking_from_rollups_equals_the_live_one(analytics: Analytics) -> None:
    first, last = date(2026, 3, 1), date(2026, 3, 31)
    async with analytics.pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        try:
            rolled = await ranking.station_rows(
                conn, analytics.settings, first, last, "uptime", "top", 100
            )
            # Without rollups every day is computed live.
            await conn.execute("update rollup_state set rolled_through = null")
            live = await ranking.station_rows(
                conn, analytics.settings, first, last, "uptime", "top", 100
            )
        finally:
            await transaction.rollback()
    assert [r for r in rolled if r.charge_point_id == CP] != []
    assert rolled == live
