"""No double booking under concurrency: the exclusion constraint decides, not a prior check."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import httpx

from shared.events.topics import BOOKING_RESERVATIONS
from tests.booking.support import Service, create_charge_point, driver, slot_start, window
from tests.connectivity.support import EventWatcher
from tests.helpers.polling import eventually

SETTINGS = {"db_pool_max_size": 20}


async def _post_all(
    service: Service, cp_id: str, bodies: list[dict[str, object]]
) -> list[httpx.Response]:
    """All at once; a request that fails outright fails the test with every outcome listed
    (each request carries its own correlation id, which the service logs)."""
    limits = httpx.Limits(max_connections=100)
    ids = [f"race-{cp_id}-{i}" for i in range(len(bodies))]
    started = time.monotonic()

    async def post(http: httpx.AsyncClient, body: dict[str, object], cid: str) -> httpx.Response:
        headers = {**driver()[1], "X-Correlation-ID": cid}
        return await http.post("/v1/reservations", json=body, headers=headers)

    async with httpx.AsyncClient(base_url=service.url, timeout=120, limits=limits) as http:
        outcomes = await asyncio.gather(
            *(post(http, body, cid) for body, cid in zip(bodies, ids, strict=True)),
            return_exceptions=True,
        )
    failed = {
        cid: repr(o) for cid, o in zip(ids, outcomes, strict=True) if isinstance(o, BaseException)
    }
    assert not failed, (
        f"{len(failed)} of {len(ids)} requests failed after {time.monotonic() - started:.0f} s: "
        f"{failed}; statuses of the others: "
        f"{Counter(o.status_code for o in outcomes if isinstance(o, httpx.Response))}"
    )
    return [o for o in outcomes if isinstance(o, httpx.Response)]


async def _holding(service: Service, cp_id: str) -> list[tuple[int, str]]:
    rows = await service.pool.fetch(
        "select connector_id, status from reservations where charge_point_id = $1", cp_id
    )
    return [(row["connector_id"], row["status"]) for row in rows]


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
