"""session.stopped says when the car last drew power (the start of idle time)."""

from __future__ import annotations

from ocpp.v16 import call

from shared.events.topics import CHARGING_SESSIONS
from tests.connectivity.clients import charger
from tests.connectivity.support import EventWatcher, Service, new_charge_point, publish_id_token
from tests.helpers.stack import unique


def power_sample(timestamp: str, wh: int, power_w: float) -> dict[str, object]:
    return {
        "timestamp": timestamp,
        "sampledValue": [
            {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
            {"value": str(power_w), "measurand": "Power.Active.Import", "unit": "W"},
        ],
    }


async def test_charging_ended_at_is_the_last_sample_drawing_power(service: Service) -> None:
    cp_id, password = await new_charge_point(service)
    tag = unique("TAG")
    await publish_id_token(service, tag, user_id=unique("driver"))
    async with (
        EventWatcher(CHARGING_SESSIONS.name) as events,
        charger(service.ocpp_url, cp_id, password) as cp,
    ):
        start = await cp.call(
            call.StartTransaction(
                connector_id=1, id_tag=tag, meter_start=0, timestamp="2026-11-23T10:00:00Z"
            )
        )
        tx = start.transaction_id
        for at, wh, power in (("10:10", 2000, 11000), ("10:20", 4000, 9000), ("10:30", 4000, 40)):
            await cp.call(
                call.MeterValues(
                    connector_id=1,
                    transaction_id=tx,
                    meter_value=[power_sample(f"2026-11-23T{at}:00Z", wh, power)],
                )
            )
        await cp.call(
            call.StopTransaction(
                meter_stop=4000, timestamp="2026-11-23T11:00:00Z", transaction_id=tx, id_tag=tag
            )
        )
        stopped = (await events.wait_for("session.stopped", cp_id))[0].data
    assert stopped["charging_ended_at"].startswith("2026-11-23T10:20:00")
