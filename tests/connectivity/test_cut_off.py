"""Retiring a charger or changing its password cuts it off on whichever replica holds it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from ocpp.v16 import call

from shared.events.topics import CHARGEPOINTS_REGISTRY
from tests.connectivity.clients import basic, charger
from tests.connectivity.support import (
    OPERATOR,
    EventWatcher,
    Service,
    new_charge_point,
    running,
    settings_for,
)
from tests.connectivity.test_registry import handshake_status
from tests.helpers.polling import eventually


@pytest.fixture(scope="module")
async def other_replica(service: Service) -> AsyncIterator[Service]:
    """A second replica on the same database, with its own ports, id and consumer groups."""
    async with running(settings_for(service.dsn)) as replica:
        yield replica


def closed(cp: Any) -> bool:
    return cp._connection.state.name == "CLOSED"  # type: ignore[no-any-return]


async def test_retiring_a_charger_closes_it_on_the_replica_that_holds_it(
    service: Service, other_replica: Service
) -> None:
    cp_id, password = await new_charge_point(service)
    async with (
        EventWatcher(CHARGEPOINTS_REGISTRY.name) as events,
        charger(other_replica.ocpp_url, cp_id, password) as cp,
    ):
        retired = await service.http.post(f"/v1/charge-points/{cp_id}/retire", headers=OPERATOR)
        assert retired.json()["approval"] == "retired"

        async def cut() -> bool:
            return closed(cp)

        await eventually(cut, timeout=30)
        cut_off = await events.wait_for("charge-point.cut-off", cp_id)
    assert cp._connection.close_code == 1008
    assert cut_off[0].data["reason"] == "retired"
    headers = {"Authorization": basic(cp_id, password)}
    assert await handshake_status(other_replica, cp_id, headers) == 401


async def test_a_password_change_closes_the_connection_opened_with_the_old_one(
    service: Service, other_replica: Service
) -> None:
    cp_id, old = await new_charge_point(service)
    async with charger(other_replica.ocpp_url, cp_id, old) as cp:
        changed = await service.http.post(
            f"/v1/charge-points/{cp_id}/password", json={}, headers=OPERATOR
        )
        new = changed.json()["password"]

        async def cut() -> bool:
            return closed(cp)

        await eventually(cut, timeout=30)
    assert cp._connection.close_code == 1008
    assert await handshake_status(other_replica, cp_id, {"Authorization": basic(cp_id, old)}) == 401
    # The charger configured with the new password connects again and stays.
    async with charger(other_replica.ocpp_url, cp_id, new) as again:
        heartbeat = await again.call(call.Heartbeat())
        assert heartbeat.current_time
        assert not closed(again)
