"""The alert rules applied to events directly (the consumer's transaction), for inputs the
simulated chargers cannot produce: a separate vendor error code, a retired charger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.operations.monitoring import Monitor
from shared.events.chargepoints import (
    Approval,
    ChargePointConnected,
    ChargePointDisconnected,
    ChargePointLocation,
    ChargePointRegistered,
    ConnectorStatusChanged,
)
from tests.helpers.stack import unique
from tests.operations.support import Operations, alerts_of


async def test_vendor_error_code_is_preferred_over_info(ops: Operations) -> None:
    cp_id = unique("CP")
    event = ConnectorStatusChanged(
        charge_point_id=cp_id,
        connector_id=1,
        status="Faulted",
        error_code="OtherError",
        info="see manual",
        vendor_error_code="0x42",
        at=datetime.now(UTC),
    )
    async with ops.pool.acquire() as conn, conn.transaction():
        raised = await Monitor(ops.settings).status_changed(conn, event)
    assert raised is not None and raised[1]
    assert raised[0].details == {"error_code": "OtherError", "vendor_code": "0x42"}


def _registered(cp_id: str, approval: Approval) -> ChargePointRegistered:
    return ChargePointRegistered(
        charge_point_id=cp_id,
        ocpp_version="1.6",
        vendor=None,
        model=None,
        serial_number=None,
        firmware_version=None,
        connectors=1,
        location=ChargePointLocation(site_name="s"),
        approval=approval,
    )


async def test_retired_charger_raises_no_offline_alert(ops: Operations) -> None:
    retired, active = unique("CP"), unique("CP")
    monitor = Monitor(ops.settings)
    async with ops.pool.acquire() as conn, conn.transaction():
        await monitor.registry_changed(conn, _registered(retired, "retired"))
        await monitor.registry_changed(conn, _registered(active, "approved"))
        for cp_id in (retired, active):
            await monitor.disconnected(
                conn,
                ChargePointDisconnected(
                    charge_point_id=cp_id, reason="closed", at=datetime.now(UTC)
                ),
            )
        # An hour later, as the evaluation would see it.
        raised = await monitor.raise_offline(conn, datetime.now(UTC) + timedelta(hours=1))
    offline = {alert.charge_point_id for alert in raised}
    assert active in offline
    assert retired not in offline
    assert await alerts_of(ops, retired, "offline") == []


async def test_offline_flapping_keeps_one_alert_without_double_counting(ops: Operations) -> None:
    cp_id = unique("CP")
    monitor = Monitor(ops.settings)
    later = datetime.now(UTC) + timedelta(hours=1)

    def gone() -> ChargePointDisconnected:
        return ChargePointDisconnected(charge_point_id=cp_id, reason="closed", at=datetime.now(UTC))

    back = ChargePointConnected(charge_point_id=cp_id, ocpp_version="1.6", at=datetime.now(UTC))
    async with ops.pool.acquire() as conn, conn.transaction():
        await monitor.disconnected(conn, gone())
        [alert] = [
            a for a in await monitor.raise_offline(conn, later) if a.charge_point_id == cp_id
        ]
        await monitor.connected(conn, back)  # the hold-down starts
        await monitor.disconnected(conn, gone())  # and is cut short: the same alert goes on
        assert cp_id not in {a.charge_point_id for a in await monitor.raise_offline(conn, later)}
    [current] = await alerts_of(ops, cp_id, "offline")
    assert current["id"] == alert.id
    assert current["status"] == "open" and current["clear_since"] is None
    assert current["occurrences"] == 2
