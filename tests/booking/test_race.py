"""No double booking under concurrency: the exclusion constraint decides, not a prior check."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from shared.events.topics import BOOKING_RESERVATIONS
from tests.booking.support import Service, create_charge_point, driver, slot_start, window
from tests.connectivity.support import EventWatcher
from tests.helpers.polling import eventually

SETTINGS = {"db_pool_max_size": 20}


async def _post_all(
    service: Service, cp_id: str, bodies: list[dict[str, object]]
) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=100)
    async with httpx.AsyncClient(base_url=service.url, timeout=120, limits=limits) as http:
        return await asyncio.gather(
            *(http.post("/v1/reservations", json=body, headers=driver()[1]) for body in bodies)
        )


async def _holding(service: Service, cp_id: str) -> list[tuple[int, str]]:
    rows = await service.pool.fetch(
        "select connector_id, status from reservations where charge_point_id = $1", cp_id
    )
    return [(row["connector_id"], row["status"]) for row in rows]


@pytest.mark.xfail(
    reason="Intermittent on the integrated main: one of the 100 requests hung past the client's "
    "120 s timeout in the full suite (a stall under contention, cause not found; issue 9 note).",
    strict=False,
)
async def test_100_overlapping_requests_on_one_connector_exactly_one_wins(service: Service) -> None:
    async with service.pool.acquire() as conn:
        cp_id = await create_charge_point(conn, connectors=1)
    settings = service.settings
    # Four different windows, each overlapping every other (all contain slots 3 to 7).
    start = slot_start(settings)
    bodies: list[dict[str, object]] = [
        {
            "charge_point_id": cp_id,
            "connector_id": 1,
            "starts_at": (start + (i % 4) * settings.slot).isoformat(),
            "ends_at": (start + (i % 4 + 8) * settings.slot).isoformat(),
        }
        for i in range(100)
    ]
    async with EventWatcher(BOOKING_RESERVATIONS.name) as events:
        responses = await _post_all(service, cp_id, bodies)
        statuses = Counter(r.status_code for r in responses)
        assert statuses == {201: 1, 409: 99}, statuses
        assert all(
            r.headers["content-type"].startswith("application/problem+json")
            for r in responses
            if r.status_code == 409
        )
        assert await _holding(service, cp_id) == [(1, "confirmed")]
        confirmed = await events.wait_for("reservation.confirmed", cp_id)
    assert len(confirmed) == 1
    assert len(events.of("reservation.confirmed", cp_id)) == 1

    async def relayed() -> bool:
        return await service.pool.fetchval("select count(*) from outbox") == 0

    await eventually(relayed)


async def test_100_any_connector_requests_on_four_connectors_exactly_four_win(
    service: Service,
) -> None:
    async with service.pool.acquire() as conn:
        cp_id = await create_charge_point(conn, connectors=4)
    body = {"charge_point_id": cp_id, **window(service.settings, slots=4)}
    responses = await _post_all(service, cp_id, [body] * 100)
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 4, 409: 96}, statuses
    holding = await _holding(service, cp_id)
    assert sorted(connector for connector, _ in holding) == [1, 2, 3, 4]
