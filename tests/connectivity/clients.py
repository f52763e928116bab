"""Reusable OCPP test chargers built on the `ocpp` library (the client side), and helpers."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v16.enums import Action as Action16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201
from ocpp.v201.enums import Action as Action201
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from shared.ocpp import on


def basic(cp_id: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{cp_id}:{password}".encode()).decode()


class Charger16(ChargePoint16):  # type: ignore[misc]
    """A 1.6J charger that accepts every command the central system sends, and records them."""

    def __init__(self, cp_id: str, connection: ClientConnection) -> None:
        super().__init__(cp_id, connection, response_timeout=10)
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.silent = False  # when set, commands are never answered (timeouts)

    async def _maybe_hang(self, action: str, kwargs: dict[str, Any]) -> None:
        self.received.append((action, kwargs))
        if self.silent:
            await asyncio.sleep(3600)

    @on(Action16.remote_start_transaction)
    async def remote_start(self, **kwargs: Any) -> Any:
        await self._maybe_hang("RemoteStartTransaction", kwargs)
        return result16.RemoteStartTransaction(status="Accepted")

    @on(Action16.remote_stop_transaction)
    async def remote_stop(self, **kwargs: Any) -> Any:
        await self._maybe_hang("RemoteStopTransaction", kwargs)
        return result16.RemoteStopTransaction(status="Accepted")

    @on(Action16.reset)
    async def reset(self, **kwargs: Any) -> Any:
        await self._maybe_hang("Reset", kwargs)
        return result16.Reset(status="Accepted")

    @on(Action16.unlock_connector)
    async def unlock(self, **kwargs: Any) -> Any:
        await self._maybe_hang("UnlockConnector", kwargs)
        return result16.UnlockConnector(status="Unlocked")

    @on(Action16.change_availability)
    async def change_availability(self, **kwargs: Any) -> Any:
        await self._maybe_hang("ChangeAvailability", kwargs)
        return result16.ChangeAvailability(status="Accepted")

    @on(Action16.change_configuration)
    async def change_configuration(self, **kwargs: Any) -> Any:
        await self._maybe_hang("ChangeConfiguration", kwargs)
        return result16.ChangeConfiguration(status="Accepted")

    @on(Action16.get_configuration)
    async def get_configuration(self, **kwargs: Any) -> Any:
        await self._maybe_hang("GetConfiguration", kwargs)
        return result16.GetConfiguration(
            configuration_key=[{"key": "HeartbeatInterval", "readonly": False, "value": "60"}]
        )

    @on(Action16.clear_cache)
    async def clear_cache(self, **kwargs: Any) -> Any:
        await self._maybe_hang("ClearCache", kwargs)
        return result16.ClearCache(status="Accepted")

    @on(Action16.data_transfer)
    async def data_transfer(self, **kwargs: Any) -> Any:
        await self._maybe_hang("DataTransfer", kwargs)
        return result16.DataTransfer(status="Accepted", data="pong")

    @on(Action16.get_diagnostics)
    async def get_diagnostics(self, **kwargs: Any) -> Any:
        await self._maybe_hang("GetDiagnostics", kwargs)
        return result16.GetDiagnostics(file_name="diag.log")

    @on(Action16.update_firmware)
    async def update_firmware(self, **kwargs: Any) -> Any:
        await self._maybe_hang("UpdateFirmware", kwargs)
        return result16.UpdateFirmware()

    @on(Action16.get_local_list_version)
    async def get_local_list_version(self, **kwargs: Any) -> Any:
        await self._maybe_hang("GetLocalListVersion", kwargs)
        return result16.GetLocalListVersion(list_version=3)

    @on(Action16.send_local_list)
    async def send_local_list(self, **kwargs: Any) -> Any:
        await self._maybe_hang("SendLocalList", kwargs)
        return result16.SendLocalList(status="Accepted")

    @on(Action16.reserve_now)
    async def reserve_now(self, **kwargs: Any) -> Any:
        await self._maybe_hang("ReserveNow", kwargs)
        return result16.ReserveNow(status="Accepted")

    @on(Action16.cancel_reservation)
    async def cancel_reservation(self, **kwargs: Any) -> Any:
        await self._maybe_hang("CancelReservation", kwargs)
        return result16.CancelReservation(status="Accepted")

    @on(Action16.trigger_message)
    async def trigger_message(self, **kwargs: Any) -> Any:
        await self._maybe_hang("TriggerMessage", kwargs)
        return result16.TriggerMessage(status="Accepted")

    @on(Action16.set_charging_profile)
    async def set_charging_profile(self, **kwargs: Any) -> Any:
        await self._maybe_hang("SetChargingProfile", kwargs)
        return result16.SetChargingProfile(status="Accepted")

    @on(Action16.clear_charging_profile)
    async def clear_charging_profile(self, **kwargs: Any) -> Any:
        await self._maybe_hang("ClearChargingProfile", kwargs)
        return result16.ClearChargingProfile(status="Accepted")

    @on(Action16.get_composite_schedule)
    async def get_composite_schedule(self, **kwargs: Any) -> Any:
        await self._maybe_hang("GetCompositeSchedule", kwargs)
        return result16.GetCompositeSchedule(status="Rejected")


class Charger201(ChargePoint201):  # type: ignore[misc]
    """A 2.0.1 charging station that accepts every command, and records them."""

    def __init__(self, cp_id: str, connection: ClientConnection) -> None:
        super().__init__(cp_id, connection, response_timeout=10)
        self.received: list[tuple[str, dict[str, Any]]] = []

    @on(Action201.request_start_transaction)
    async def request_start(self, **kwargs: Any) -> Any:
        self.received.append(("RequestStartTransaction", kwargs))
        return result201.RequestStartTransaction(status="Accepted")

    @on(Action201.request_stop_transaction)
    async def request_stop(self, **kwargs: Any) -> Any:
        self.received.append(("RequestStopTransaction", kwargs))
        return result201.RequestStopTransaction(status="Accepted")

    @on(Action201.reset)
    async def reset(self, **kwargs: Any) -> Any:
        self.received.append(("Reset", kwargs))
        return result201.Reset(status="Accepted")

    @on(Action201.change_availability)
    async def change_availability(self, **kwargs: Any) -> Any:
        self.received.append(("ChangeAvailability", kwargs))
        return result201.ChangeAvailability(status="Accepted")

    @on(Action201.unlock_connector)
    async def unlock(self, **kwargs: Any) -> Any:
        self.received.append(("UnlockConnector", kwargs))
        return result201.UnlockConnector(status="Unlocked")

    @on(Action201.reserve_now)
    async def reserve_now(self, **kwargs: Any) -> Any:
        self.received.append(("ReserveNow", kwargs))
        return result201.ReserveNow(status="Accepted")

    @on(Action201.cancel_reservation)
    async def cancel_reservation(self, **kwargs: Any) -> Any:
        self.received.append(("CancelReservation", kwargs))
        return result201.CancelReservation(status="Accepted")

    @on(Action201.trigger_message)
    async def trigger_message(self, **kwargs: Any) -> Any:
        self.received.append(("TriggerMessage", kwargs))
        return result201.TriggerMessage(status="Accepted")

    @on(Action201.get_variables)
    async def get_variables(self, get_variable_data: list[dict[str, Any]], **kwargs: Any) -> Any:
        self.received.append(("GetVariables", kwargs))
        return result201.GetVariables(
            get_variable_result=[
                {
                    "attribute_status": "Accepted",
                    "attribute_value": "60",
                    "component": item["component"],
                    "variable": item["variable"],
                }
                for item in get_variable_data
            ]
        )

    @on(Action201.set_variables)
    async def set_variables(self, set_variable_data: list[dict[str, Any]], **kwargs: Any) -> Any:
        self.received.append(("SetVariables", kwargs))
        return result201.SetVariables(
            set_variable_result=[
                {
                    "attribute_status": "Accepted",
                    "component": item["component"],
                    "variable": item["variable"],
                }
                for item in set_variable_data
            ]
        )

    @on(Action201.get_base_report)
    async def get_base_report(self, **kwargs: Any) -> Any:
        self.received.append(("GetBaseReport", kwargs))
        return result201.GetBaseReport(status="Accepted")

    @on(Action201.update_firmware)
    async def update_firmware(self, **kwargs: Any) -> Any:
        self.received.append(("UpdateFirmware", kwargs))
        return result201.UpdateFirmware(status="Accepted")

    @on(Action201.data_transfer)
    async def data_transfer(self, **kwargs: Any) -> Any:
        self.received.append(("DataTransfer", kwargs))
        return result201.DataTransfer(status="Accepted")


CHARGER_TYPES: dict[str, type[Any]] = {"1.6": Charger16, "2.0.1": Charger201}
HEARTBEAT: dict[str, type[Any]] = {"1.6": call16.Heartbeat, "2.0.1": call201.Heartbeat}


@contextlib.asynccontextmanager
async def charger(
    ocpp_url: str, cp_id: str, password: str, version: str = "1.6"
) -> AsyncIterator[Any]:
    """A connected charger whose message loop runs in the background."""
    async with connect(
        f"{ocpp_url}/ocpp/{cp_id}",
        subprotocols=[Subprotocol(f"ocpp{version}")],
        additional_headers={"Authorization": basic(cp_id, password)},
        compression=None,
        open_timeout=10,
    ) as ws:
        client = CHARGER_TYPES[version](cp_id, ws)
        task = asyncio.create_task(client.start())
        try:
            # The server registers a connection before it reads its first frame: once a
            # heartbeat is answered, the charger is online and reachable by commands.
            await client.call(HEARTBEAT[version]())
            yield client
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


@contextlib.asynccontextmanager
async def raw(
    ocpp_url: str, cp_id: str, password: str, version: str = "1.6"
) -> AsyncIterator[ClientConnection]:
    """A bare WebSocket to send malformed frames the library would never produce."""
    async with connect(
        f"{ocpp_url}/ocpp/{cp_id}",
        subprotocols=[Subprotocol(f"ocpp{version}")],
        additional_headers={"Authorization": basic(cp_id, password)},
        compression=None,
        open_timeout=10,
    ) as ws:
        yield ws


async def exchange(ws: ClientConnection, frame: str | list[Any]) -> list[Any]:
    """Send one raw frame (text, or a list to encode) and read the answer."""
    await ws.send(frame if isinstance(frame, str) else json.dumps(frame))
    answer: list[Any] = json.loads(await asyncio.wait_for(ws.recv(), 10))
    return answer
