"""Memory per connection is bounded: answers nobody waits for are not kept, and a timed-out
command leaves nothing behind."""

from __future__ import annotations

import asyncio
import json

import pytest

from services.connectivity.ocpp.hub import Hub
from tests.connectivity.clients import raw
from tests.connectivity.support import Service, new_charge_point

SETTINGS = {"ocpp_rate_per_s": 10_000.0, "ocpp_rate_burst": 10_000}


async def test_unsolicited_callresults_and_callerrors_are_not_queued(service: Service) -> None:
    hub: Hub = service.app.state.hub
    cp_id, password = await new_charge_point(service)
    async with raw(service.ocpp_url, cp_id, password) as ws:
        for i in range(500):
            await ws.send(json.dumps([3, f"nobody-asked-{i}", {"status": "Accepted"}]))
            await ws.send(json.dumps([4, f"nobody-asked-{i}", "GenericError", "", {}]))
        await ws.send('[2, "hb", "Heartbeat", {}]')
        answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert answer[1] == "hb"
        connection = hub.connections[cp_id]
        assert connection._response_queue.qsize() == 0
        assert connection._pending_actions == {}


async def test_a_timed_out_command_leaves_no_pending_action(service: Service) -> None:
    hub: Hub = service.app.state.hub
    cp_id, password = await new_charge_point(service)
    async with raw(service.ocpp_url, cp_id, password) as ws:
        await ws.send('[2, "hb", "Heartbeat", {}]')
        await asyncio.wait_for(ws.recv(), 5)
        connection = hub.connections[cp_id]
        for _ in range(3):
            with pytest.raises(TimeoutError):
                await connection.send_call("ClearCache", {}, 0.2)
        assert connection._pending_actions == {}
