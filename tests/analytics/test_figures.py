"""Known event sequences through the real Kafka (topics of this module's own), with duplicates,
out-of-order arrival and a DST change, give exact figures; a replay of every topic from offset 0
into an empty database gives identical answers."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.analytics import scenario_people
from tests.analytics.scenario import Scenario
from tests.analytics.support import (
    Analytics,
    auth,
    own_topics,
    publish,
    rollups_current,
    running_analytics,
)
from tests.helpers.polling import eventually

OPERATOR = auth("operator-1", "operator")
RANGE = {"from": "2026-03-28", "to": "2026-03-30"}
# Distinct event ids fed: 1 registry, 10 status (one delivered twice), 5 session stops (one
# delivered twice, one republished under a new id), 4 invoice events (one delivered twice).
EXPECTED_ROWS = {
    "sessions": 4,
    "connector_status": 7,
    "charger_links": 3,
    "invoice_events": 4,
    "charge_points": 1,
    "reservation_events": 7,
    "users": 4,
    "account_standings": 3,
    "tickets": 3,
    "alerts": 3,
    # + 4 account events (one delivered twice), 3 standings, 5 ticket events (one twice),
    # 6 alert events (one twice).
    "inbox": 1 + 10 + 5 + 4 + 7 + 4 + 3 + 5 + 6,
}


async def ingested(service: Analytics) -> None:
    async def complete() -> bool:
        for table, count in EXPECTED_ROWS.items():
            if await service.pool.fetchval(f"select count(*) from {table}") != count:
                return False
        return True

    await eventually(complete, timeout=60, interval=0.2)
    await rollups_current(service)


@pytest.fixture(scope="module")
async def scenario() -> Scenario:
    return Scenario()


@pytest.fixture(scope="module")
async def topics(scenario: Scenario) -> AsyncIterator[dict[str, str]]:
    async with own_topics() as names:
        await publish(names["registry_topic"], scenario.registry())
        await publish(names["status_topic"], scenario.status())
        await publish(names["sessions_topic"], scenario.sessions())
        await publish(names["invoices_topic"], scenario.invoices())
        await publish(names["reservations_topic"], scenario.reservations())
        await publish(names["users_topic"], scenario_people.users(scenario))
        await publish(names["accounts_topic"], scenario_people.standings(scenario))
        await publish(names["tickets_topic"], scenario_people.tickets(scenario))
        await publish(names["alerts_topic"], scenario_people.alerts(scenario))
        yield names


@pytest.fixture(scope="module")
async def analytics(topics: dict[str, str]) -> AsyncIterator[Analytics]:
    async with running_analytics("test_analytics_figures", topics) as service:
        await ingested(service)
        yield service


async def get(service: Analytics, path: str, headers: dict[str, str], **params: Any) -> Any:
    response = await service.http.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def by_key(rows: list[dict[str, Any]]) -> dict[tuple[int, str], dict[str, Any]]:
    return {(r["connector_id"], r["period_start"][:10]): r for r in rows}


async def test_connector_figures_across_the_dst_day(
    analytics: Analytics, scenario: Scenario
) -> None:
    rows = by_key(
        await get(
            analytics, "/v1/stats/charge-points", OPERATOR, charge_point_id=scenario.cp, **RANGE
        )
    )
    assert len(rows) == 6
    c1 = rows[(1, "2026-03-29")]
    assert c1["period_start"] == "2026-03-29T00:00:00+01:00"
    # 23-hour day: faulted 2 h from before the start, offline 1.5 h, faulted 2 h past the end.
    assert {
        k: c1[k]
        for k in ("sessions", "energy_kwh", "revenue_minor", "charging_pct", "occupied_pct")
    } == {
        "sessions": 1,
        "energy_kwh": 20.0,
        "revenue_minor": 15000,
        "charging_pct": 6.522,
        "occupied_pct": 8.696,
    }
    assert (c1["uptime_pct"], c1["availability_pct"], c1["faults"], c1["mtbf_h"]) == (
        76.087,
        76.087,
        1,
        17.5,
    )
    # Three bookings: one fulfilled, one no-show, one cancelled by the driver (the block is not one).
    assert (c1["bookings"], c1["no_shows"], c1["booking_conversion_pct"]) == (3, 1, 50.0)
    c2 = rows[(2, "2026-03-29")]
    assert (c2["sessions"], c2["energy_kwh"], c2["revenue_minor"]) == (1, 5.0, 3000)
    # Occupied: the end of the session that began the day before, and one of its own.
    assert (c2["occupied_pct"], c2["charging_pct"]) == (4.348, 4.348)
    assert (c2["uptime_pct"], c2["availability_pct"], c2["faults"], c2["mtbf_h"]) == (
        93.478,
        89.13,
        0,
        None,
    )
    assert (c2["bookings"], c2["no_shows"], c2["booking_conversion_pct"]) == (0, 0, None)
    # The day before: the charger's state is known from 20:00Z only (3 of 24 hours).
    before = rows[(1, "2026-03-28")]
    assert (before["uptime_pct"], before["faults"], before["mtbf_h"]) == (66.667, 1, 2.0)
    assert (rows[(2, "2026-03-28")]["sessions"], rows[(2, "2026-03-28")]["occupied_pct"]) == (
        1,
        2.083,
    )
    # 22:30Z on the 29th is 00:30 on the 30th in summer time.
    after = rows[(1, "2026-03-30")]
    assert after["period_start"] == "2026-03-30T00:00:00+02:00"
    assert (after["sessions"], after["energy_kwh"], after["uptime_pct"], after["faults"]) == (
        1,
        4.0,
        83.333,
        0,
    )


async def test_faults_by_error_code(analytics: Analytics, scenario: Scenario) -> None:
    rows = await get(
        analytics, "/v1/stats/charge-points/faults", OPERATOR, charge_point_id=scenario.cp, **RANGE
    )
    assert [
        (r["connector_id"], r["period_start"][:10], r["error_code"], r["faults"]) for r in rows
    ] == [
        (1, "2026-03-28", "GroundFailure", 1),
        (1, "2026-03-29", "HighTemperature", 1),
    ]


async def test_network_series_heat_map_and_ranking(
    analytics: Analytics, scenario: Scenario
) -> None:
    days = await get(analytics, "/v1/stats/network", OPERATOR, **RANGE)
    assert [
        (
            d["period_start"][:10],
            d["sessions"],
            d["energy_kwh"],
            d["revenue_minor"],
            d["active_drivers"],
        )
        for d in days
    ] == [
        ("2026-03-28", 1, 10.0, 0, 1),
        ("2026-03-29", 2, 25.0, 18000, 1),
        ("2026-03-30", 1, 4.0, 0, 1),
    ]
    assert [
        (
            d["new_registrations"],
            d["deleted_accounts"],
            d["subscribers"],
            d["subscription_share_pct"],
        )
        for d in days
    ] == [(1, 0, 0, 0.0), (1, 0, 1, 100.0), (0, 1, 0, 0.0)]
    hours = await get(
        analytics,
        "/v1/stats/network",
        OPERATOR,
        granularity="hour",
        **{"from": "2026-03-29", "to": "2026-03-29"},
    )
    assert len(hours) == 23
    busy = {h["period_start"]: h["sessions"] for h in hours if h["sessions"]}
    assert busy == {"2026-03-29T01:00:00+01:00": 1, "2026-03-29T04:00:00+02:00": 1}
    heat = await get(analytics, "/v1/stats/network/heat-map", OPERATOR, **RANGE)
    assert len(heat) == 7 * 24
    assert {(c["weekday"], c["hour"]): c["sessions"] for c in heat if c["sessions"]} == {
        (6, 23): 1,
        (7, 1): 1,
        (7, 4): 1,
        (1, 0): 1,
    }
    ranking = await get(analytics, "/v1/stats/network/stations", OPERATOR, order="uptime", **RANGE)
    assert [
        (r["rank"], r["charge_point_id"], r["uptime_pct"], r["occupied_pct"], r["sessions"])
        for r in ranking
    ] == [(1, scenario.cp, 88.0, 2.817, 4)]
    assert (ranking[0]["tickets"], ranking[0]["alerts"]) == (2, 3)
    assert ranking[0]["site_name"] == "Depot Nord" and ranking[0]["needs_capacity"] is False


async def test_tickets_and_alerts_per_charge_point(
    analytics: Analytics, scenario: Scenario
) -> None:
    tickets = await get(
        analytics,
        "/v1/stats/charge-points/tickets",
        auth("agent-1", "support"),
        charge_point_id=scenario.cp,
        **RANGE,
    )
    assert [
        (
            t["period_start"][:10],
            t["category"],
            t["opened"],
            t["automatic"],
            t["resolved"],
            t["sla_breached"],
        )
        for t in tickets
    ] == [
        ("2026-03-29", "charging_problem", 1, 1, 1, 0),
        ("2026-03-29", "station_safety", 1, 0, 0, 1),
    ]
    alerts = await get(
        analytics, "/v1/stats/charge-points/alerts", OPERATOR, charge_point_id=scenario.cp, **RANGE
    )
    assert [
        (
            a["period_start"][:10],
            a["kind"],
            a["opened"],
            a["high_severity"],
            a["resolved"],
            a["mean_time_to_resolve_min"],
        )
        for a in alerts
    ] == [
        ("2026-03-28", "connector_faulted", 1, 0, 1, 185.0),
        ("2026-03-29", "connector_faulted", 1, 1, 1, 370.0),
        ("2026-03-29", "station_safety", 1, 1, 0, None),
    ]
    monthly = await get(
        analytics,
        "/v1/stats/charge-points/alerts",
        OPERATOR,
        granularity="month",
        charge_point_id=scenario.cp,
        **RANGE,
    )
    assert [(a["kind"], a["opened"], a["mean_time_to_resolve_min"]) for a in monthly] == [
        ("connector_faulted", 2, 277.5),
        ("station_safety", 1, None),
    ]


async def test_a_driver_sees_their_own_figures(analytics: Analytics, scenario: Scenario) -> None:
    stats = await get(analytics, "/v1/stats/me", auth(scenario.driver, "driver"))
    march = {
        "month": "2026-03",
        "sessions": 2,
        "energy_kwh": 25.0,
        "charging_h": 2.0,
        "plugged_in_h": 2.5,
        "spent_minor": 18000,
        "currency": "SEK",
        "average_energy_kwh": 12.5,
        "average_duration_min": 75.0,
        # 25 kWh x (6.5 l / 18 kWh x 2.8 kg/l - 0.045 kg/kWh)
        "co2_avoided_kg": 24.153,
    }
    assert stats["months"] == [march]
    assert stats["overall"] == march | {"month": "all"}
    assert stats["favourite_locations"] == [
        {
            "charge_point_id": scenario.cp,
            "site_name": "Depot Nord",
            "address": "Gatan 1",
            "sessions": 2,
            "energy_kwh": 25.0,
        }
    ]
    assert stats["co2_method"]["avoided_kg_per_kwh"] == 0.966111
    other = await get(analytics, "/v1/stats/me", auth(scenario.other, "driver"))
    assert (
        other["overall"]["sessions"],
        other["overall"]["energy_kwh"],
        other["overall"]["spent_minor"],
    ) == (2, 14.0, 0)
    stranger = await get(analytics, "/v1/stats/me", auth("nobody", "driver"))
    assert stranger["overall"]["sessions"] == 0 and stranger["favourite_locations"] == []


async def test_every_table_as_csv(analytics: Analytics, scenario: Scenario) -> None:
    response = await analytics.http.get(
        "/v1/stats/charge-points",
        params={"charge_point_id": scenario.cp, **RANGE},
        headers={**OPERATOR, "Accept": "text/csv"},
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0].startswith("charge_point_id,connector_id,period_start,sessions,energy_kwh")
    assert len(lines) == 7
    for path, headers, rows in (
        ("/v1/stats/charge-points/faults", OPERATOR, 2),
        ("/v1/stats/charge-points/tickets", OPERATOR, 2),
        ("/v1/stats/charge-points/alerts", OPERATOR, 3),
        ("/v1/stats/network", OPERATOR, 3),
        ("/v1/stats/network/heat-map", OPERATOR, 168),
        ("/v1/stats/network/stations", OPERATOR, 1),
        ("/v1/stats/me", auth(scenario.driver, "driver"), 2),
    ):
        answer = await analytics.http.get(path, params={"format": "csv", **RANGE}, headers=headers)
        assert answer.status_code == 200, (path, answer.text)
        assert answer.headers["content-type"].startswith("text/csv"), path
        assert len(answer.text.splitlines()) == rows + 1, (path, answer.text)


async def test_replay_from_offset_zero_gives_identical_figures(
    analytics: Analytics, topics: dict[str, str], scenario: Scenario
) -> None:
    paths: list[tuple[str, dict[str, str], dict[str, str]]] = [
        ("/v1/stats/charge-points", OPERATOR, {"charge_point_id": scenario.cp, **RANGE}),
        ("/v1/stats/charge-points", OPERATOR, {"granularity": "hour", **RANGE}),
        ("/v1/stats/charge-points/faults", OPERATOR, RANGE),
        ("/v1/stats/charge-points/tickets", OPERATOR, RANGE),
        ("/v1/stats/charge-points/alerts", OPERATOR, RANGE),
        ("/v1/stats/network", OPERATOR, RANGE),
        ("/v1/stats/network/heat-map", OPERATOR, RANGE),
        ("/v1/stats/network/stations", OPERATOR, RANGE),
        ("/v1/stats/me", auth(scenario.driver, "driver"), {}),
    ]
    first = [await get(analytics, p, h, **q) for p, h, q in paths]
    # A new consumer group on an empty database, reading every topic from its beginning.
    lookback = os.environ.pop("LADDA_KAFKA_NEW_GROUP_LOOKBACK_S", None)
    try:
        async with running_analytics("test_analytics_replay", topics) as replayed:
            await ingested(replayed)
            again = [await get(replayed, p, h, **q) for p, h, q in paths]
    finally:
        if lookback is not None:
            os.environ["LADDA_KAFKA_NEW_GROUP_LOOKBACK_S"] = lookback
    assert again == first


async def test_out_of_range_dates_and_too_large_answers_are_refused(
    analytics: Analytics, scenario: Scenario
) -> None:
    for path, headers, params in (
        ("/v1/stats/me", auth(scenario.driver, "driver"), {"from": "0001-01-01"}),
        ("/v1/stats/network", OPERATOR, {"to": "9999-12-31"}),
        ("/v1/stats/network", OPERATOR, {"from": "2026-03-02", "to": "2026-03-01"}),
        (
            "/v1/stats/charge-points",
            OPERATOR,
            {"from": "2000-01-01", "to": "2100-12-31", "granularity": "hour"},
        ),
    ):
        response = await analytics.http.get(path, params=params, headers=headers)
        assert response.status_code == 422, (path, params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
