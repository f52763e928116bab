"""Offline by missed heartbeats: connectivity's sweep marks a silent (still connected) charger
offline after the configured number of missed heartbeats; operations alerts once the debounce
has passed, and resolves the alert after the hold-down once the charger speaks again."""

from __future__ import annotations

import asyncio
from typing import Any

from ocpp.v16 import call as call16

from shared.events.topics import OPERATIONS_ALERTS
from tests.connectivity.clients import charger
from tests.connectivity.support import EventWatcher, Service, new_charge_point
from tests.operations.support import Operations, alert_events, wait_for_alert, wait_for_station

CONNECTIVITY_SETTINGS = {
    "heartbeat_interval_s": 1,
    "offline_after_missed_heartbeats": 2,
    "offline_sweep_interval_s": 0.2,
    "replica_heartbeat_s": 0.2,
}


async def test_silent_charger_alerts_after_missed_heartbeats_and_debounce(
    connectivity: Service, ops: Operations
) -> None:
    cp_id, password = await new_charge_point(connectivity)
    await wait_for_station(ops, cp_id)
    async with (
        EventWatcher(OPERATIONS_ALERTS.name) as events,
        charger(connectivity.ocpp_url, cp_id, password) as cp,
    ):
        alert = await wait_for_alert(ops, cp_id, "offline", status="open")
        [opened] = await alert_events(events, "alert.opened", alert["id"])
        assert opened.data["severity"] == "medium"
        # It speaks again, and keeps heartbeating: resolved after the hold-down.
        beating = asyncio.create_task(_heartbeats(cp))
        try:
            resolved = await wait_for_alert(ops, cp_id, "offline", status="resolved")
        finally:
            beating.cancel()
            await asyncio.gather(beating, return_exceptions=True)
        assert resolved["id"] == alert["id"]
        await alert_events(events, "alert.resolved", alert["id"])


async def _heartbeats(cp: Any) -> None:
    while True:
        await cp.call(call16.Heartbeat())
        await asyncio.sleep(0.3)  # the charger's own heartbeat interval, not a test wait
