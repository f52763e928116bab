"""Handshakes that can never succeed cost no database work and cannot flood the tables."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from services.connectivity.ocpp.hub import Hub
from tests.connectivity.clients import basic, charger
from tests.connectivity.support import Service, new_charge_point
from tests.helpers.polling import eventually
from tests.helpers.stack import unique

SETTINGS = {
    "ocpp_handshake_refusals": "5/minute",
    "ocpp_max_connections_per_address": 2,
}


async def handshake_from(
    service: Service, address: str, cp_id: str, password: str = "x" * 20
) -> int:
    """The HTTP status of a refused handshake opened from `address` (a loopback alias)."""
    with pytest.raises(InvalidStatus) as refused:
        async with connect(
            f"{service.ocpp_url}/ocpp/{quote(cp_id, safe='')}",
            subprotocols=[Subprotocol("ocpp1.6")],
            additional_headers={"Authorization": basic("x", password)},
            open_timeout=5,
            local_addr=(address, 0),
        ):
            pass
    return refused.value.response.status_code


@pytest.mark.parametrize(
    ("address", "cp_id"),
    [
        ("127.0.0.31", "CP\x00"),
        ("127.0.0.32", "x" * 49),
        ("127.0.0.33", "CP 1"),
        ("127.0.0.34", "CP/../x"),
        ("127.0.0.35", "CP#1"),
        ("127.0.0.36", "ÄBC"),
    ],
)
async def test_ids_that_can_never_be_valid_are_refused_before_any_database_work(
    service: Service, address: str, cp_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub: Hub = service.app.state.hub
    looked_up: list[str] = []
    submit = hub.credentials.submit

    async def spy(item: str) -> object:
        looked_up.append(item)
        return await submit(item)

    monkeypatch.setattr(hub.credentials, "submit", spy)
    assert await handshake_from(service, address, cp_id) == 404
    assert looked_up == []


async def test_a_nul_path_flood_does_not_refuse_good_chargers(service: Service) -> None:
    chargers = [await new_charge_point(service) for _ in range(10)]

    async def attacker() -> None:
        for _ in range(30):
            await handshake_from(service, "127.0.0.22", "BAD\x00ID")

    async def good(cp_id: str, password: str) -> None:
        async with charger(service.ocpp_url, cp_id, password):
            pass

    await asyncio.gather(attacker(), *(good(cp_id, pw) for cp_id, pw in chargers))


async def test_refused_handshakes_are_rate_limited_per_address_with_one_event_per_interval(
    service: Service,
) -> None:
    cp_id, password = await new_charge_point(service)
    statuses = [await handshake_from(service, "127.0.0.23", unique("NOPE")) for _ in range(8)]
    # Five refusals a minute, then 429 for everything from that address, the right password too.
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429] * 3
    assert await handshake_from(service, "127.0.0.23", cp_id, password) == 429
    # Another address is not affected.
    async with connect(
        f"{service.ocpp_url}/ocpp/{cp_id}",
        subprotocols=[Subprotocol("ocpp1.6")],
        additional_headers={"Authorization": basic(cp_id, password)},
        local_addr=("127.0.0.24", 0),
    ):
        pass
    await asyncio.sleep(0.5)
    events = await service.pool.fetchval(
        "select count(*) from security_events where detail like '%127.0.0.23%'"
    )
    assert events == 1


async def test_connections_per_address_are_capped(service: Service) -> None:
    first, second, third = [await new_charge_point(service) for _ in range(3)]

    def open_from(cp_id: str, password: str) -> object:
        return connect(
            f"{service.ocpp_url}/ocpp/{cp_id}",
            subprotocols=[Subprotocol("ocpp1.6")],
            additional_headers={"Authorization": basic(cp_id, password)},
            local_addr=("127.0.0.25", 0),
        )

    async with open_from(*first) as a, open_from(*second) as b:  # type: ignore[attr-defined]
        await a.send('[2, "1", "Heartbeat", {}]')
        await b.send('[2, "1", "Heartbeat", {}]')
        await asyncio.wait_for(a.recv(), 5)
        await asyncio.wait_for(b.recv(), 5)
        with pytest.raises(InvalidStatus) as refused:
            async with open_from(*third):  # type: ignore[attr-defined]
                pass
        assert refused.value.response.status_code == 429
    # Once one has closed, the address may connect again.
    hub: Hub = service.app.state.hub

    guard = service.app.state.ocpp_server.guard

    async def closed() -> bool:
        return second[0] not in hub.connections and guard.may_open("127.0.0.25")

    await eventually(closed)
    async with open_from(*third):  # type: ignore[attr-defined]
        pass
