"""A simulated OCPP 2.0.1 charging station: the client side of `ocpp.v201.ChargePoint`.

Each connector of the seed file is an EVSE with one connector (evse N, connector 1).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from ocpp.v201 import ChargePoint, call, call_result
from websockets.asyncio.client import ClientConnection

from shared.clock import ocpp_time
from shared.ocpp import on
from tools.simulator.charger import SimulatedCharger
from tools.simulator.outbox import Reading, TxMessage
from tools.simulator.station import AVAILABLE, RESERVED, UNAVAILABLE, Reservation, Station

# 2.0.1 has five connector states; the simulator's 1.6-style ones map onto them.
CONNECTOR_STATUS = {
    AVAILABLE: "Available",
    RESERVED: "Reserved",
    UNAVAILABLE: "Unavailable",
    "Faulted": "Faulted",
}

STOPPED_REASONS = {
    "EVDisconnected": "EVDisconnected",
    "Local": "Local",
    "Remote": "Remote",
    "HardReset": "ImmediateReset",
    "SoftReset": "Reboot",
    "DeAuthorized": "DeAuthorized",
    "UnlockCommand": "Other",
    "Reboot": "Reboot",
    "EmergencyStop": "EmergencyStop",
    "Other": "Other",
}

# (component, variable) -> (value, read-only)
DEFAULT_VARIABLES: dict[tuple[str, str], tuple[str, bool]] = {
    ("OCPPCommCtrlr", "HeartbeatInterval"): ("60", False),
    ("SampledDataCtrlr", "TxUpdatedInterval"): ("30", False),
    ("SampledDataCtrlr", "TxUpdatedMeasurands"): (
        "Energy.Active.Import.Register,Power.Active.Import,SoC",
        False,
    ),
    ("AuthCtrlr", "AuthorizeRemoteStart"): ("false", False),
    ("TxCtrlr", "EVConnectionTimeOut"): ("60", False),
}


def _id_token(id_tag: str) -> dict[str, str]:
    return {"id_token": id_tag, "type": "ISO14443"}


class Charger201(SimulatedCharger, ChargePoint):  # type: ignore[misc]
    """An OCPP 2.0.1 charging station of the fleet."""

    def __init__(self, station: Station, connection: ClientConnection) -> None:
        ChargePoint.__init__(
            self, station.spec.id, connection, response_timeout=station.options.response_timeout_s
        )
        self._setup(station)
        self._connection_ws = connection
        self._sent_status: dict[int, str] = {}
        spec = station.spec
        self.variables: dict[tuple[str, str], tuple[str, bool]] = {
            **DEFAULT_VARIABLES,
            ("ChargingStation", "VendorName"): (spec.vendor, True),
            ("ChargingStation", "Model"): (spec.model, True),
            ("ChargingStation", "SerialNumber"): (spec.serial_number, True),
            ("ChargingStation", "FirmwareVersion"): (spec.firmware_version, True),
            ("ChargingStation", "EVSECount"): (str(spec.connectors), True),
        }
        if station.configuration:
            # Values the CSMS set survive reconnects, as on a real station.
            for name, value in station.configuration.items():
                component, variable = name.split("/", 1)
                self.variables[(component, variable)] = value

    async def close_connection(self) -> None:
        await self._connection_ws.close()

    # -- what the station sends ---------------------------------------------------------------

    async def send_boot(self) -> tuple[str, float]:
        spec = self.station.spec
        response = await self.call(
            call.BootNotification(
                charging_station={
                    "model": spec.model,
                    "vendor_name": spec.vendor,
                    "serial_number": spec.serial_number,
                    "firmware_version": spec.firmware_version,
                },
                reason="PowerUp",
            ),
            suppress=False,
        )
        return str(response.status), float(response.interval)

    async def send_heartbeat(self) -> None:
        await self.call(call.Heartbeat(), suppress=False)

    async def send_status(self, connector: int, status: str) -> None:
        mapped = CONNECTOR_STATUS.get(status, "Occupied")
        if self._sent_status.get(connector) == mapped and status != AVAILABLE:
            return
        self._sent_status[connector] = mapped
        await self.call(
            call.StatusNotification(
                timestamp=ocpp_time(), connector_status=mapped, evse_id=connector, connector_id=1
            ),
            suppress=False,
        )

    async def send_authorize(self, id_tag: str) -> bool:
        response = await self.call(call.Authorize(id_token=_id_token(id_tag)), suppress=False)
        return bool(response.id_token_info["status"] == "Accepted")

    async def send_security_event(self, kind: str, info: str) -> None:
        await self.call(
            call.SecurityEventNotification(type=kind, timestamp=ocpp_time(), tech_info=info),
            suppress=False,
        )

    def _meter_value(self, reading: Reading, context: str) -> dict[str, Any]:
        return {
            "timestamp": reading.timestamp,
            "sampled_value": [
                {
                    "value": float(reading.meter_wh),
                    "context": context,
                    "measurand": "Energy.Active.Import.Register",
                    "unit_of_measure": {"unit": "Wh"},
                },
                {
                    "value": round(reading.power_w, 1),
                    "context": context,
                    "measurand": "Power.Active.Import",
                    "unit_of_measure": {"unit": "W"},
                },
                {
                    "value": round(reading.soc_percent, 1),
                    "context": context,
                    "measurand": "SoC",
                    "location": "EV",
                    "unit_of_measure": {"unit": "Percent"},
                },
            ],
        }

    async def _transaction_event(
        self,
        message: TxMessage,
        event_type: str,
        trigger_reason: str,
        charging_state: str,
        context: str,
        **extra: Any,
    ) -> Any:
        session = message.session
        if message.offline:
            extra["offline"] = True
        transaction_info: dict[str, Any] = {
            "transaction_id": str(session.transaction_id),
            "charging_state": charging_state,
        }
        if event_type == "Ended":
            transaction_info["stopped_reason"] = STOPPED_REASONS.get(
                session.stop_reason or "Other", "Other"
            )
        if session.remote_start_id is not None and event_type == "Started":
            transaction_info["remote_start_id"] = session.remote_start_id
        payload = call.TransactionEvent(
            event_type=event_type,
            timestamp=message.reading.timestamp,
            trigger_reason=trigger_reason,
            seq_no=message.seq_no,
            transaction_info=transaction_info,
            meter_value=[self._meter_value(message.reading, context)],
            evse={"id": session.connector, "connector_id": 1},
            **extra,
        )
        return await self.call(payload, suppress=False)

    async def send_start(self, message: TxMessage) -> bool:
        session = message.session
        response = await self._transaction_event(
            message,
            "Started",
            "RemoteStart" if session.remote_start_id is not None else "Authorized",
            "Charging",
            "Transaction.Begin",
            id_token=_id_token(session.id_tag),
            reservation_id=message.reservation_id,
        )
        info = response.id_token_info
        return info is None or info.get("status") == "Accepted"

    async def send_meter(self, message: TxMessage) -> None:
        await self._transaction_event(
            message, "Updated", "MeterValuePeriodic", "Charging", "Sample.Periodic"
        )

    async def send_stop(self, message: TxMessage) -> None:
        session = message.session
        trigger = {
            "Remote": "RemoteStop",
            "EVDisconnected": "EVCommunicationLost",
            "DeAuthorized": "Deauthorized",
            "HardReset": "ResetCommand",
            "SoftReset": "ResetCommand",
            "UnlockCommand": "UnlockCommand",
            "EmergencyStop": "AbnormalCondition",
            "Other": "AbnormalCondition",
        }.get(session.stop_reason or "", "StopAuthorized")
        await self._transaction_event(
            message, "Ended", trigger, "Idle", "Transaction.End", id_token=_id_token(session.id_tag)
        )

    # -- what the CSMS asks -------------------------------------------------------------------

    @on("RequestStartTransaction")
    def on_request_start(
        self, id_token: dict[str, Any], remote_start_id: int, evse_id: int | None = None, **_: Any
    ) -> call_result.RequestStartTransaction:
        tag = str(id_token["id_token"])
        connector = self.station.free_connector(evse_id, tag)
        if connector is None:
            return call_result.RequestStartTransaction(status="Rejected")
        authorize = self.variables[("AuthCtrlr", "AuthorizeRemoteStart")][0] == "true"
        self.spawn(
            self.charge(connector, tag, authorize=authorize, remote_start_id=remote_start_id)
        )
        return call_result.RequestStartTransaction(status="Accepted")

    @on("RequestStopTransaction")
    def on_request_stop(self, transaction_id: str, **_: Any) -> call_result.RequestStopTransaction:
        session = self.station.session_by_transaction(transaction_id)
        if session is None:
            return call_result.RequestStopTransaction(status="Rejected")
        session.request_stop("Remote")
        return call_result.RequestStopTransaction(status="Accepted")

    @on("Reset")
    def on_reset(self, type: str, evse_id: int | None = None, **_: Any) -> call_result.Reset:
        if evse_id is not None:
            # Resetting one EVSE is optional in 2.0.1; this station resets as a whole only.
            return call_result.Reset(status="Rejected")
        if self.station.sessions and type == "OnIdle":
            for session in self.station.sessions.values():
                session.request_stop("SoftReset")
            self.reboot_soon()
            return call_result.Reset(status="Scheduled")
        for session in self.station.sessions.values():
            session.request_stop("HardReset")
        self.reboot_soon()
        return call_result.Reset(status="Accepted")

    @on("UnlockConnector")
    def on_unlock(self, evse_id: int, connector_id: int, **_: Any) -> call_result.UnlockConnector:
        if evse_id not in self.station.connectors or connector_id != 1:
            return call_result.UnlockConnector(status="UnknownConnector")
        if evse_id in self.station.sessions:
            # 2.0.1: a connector with an ongoing transaction is not unlocked remotely.
            return call_result.UnlockConnector(status="OngoingAuthorizedTransaction")
        return call_result.UnlockConnector(status="Unlocked")

    @on("ChangeAvailability")
    def on_change_availability(
        self, operational_status: str, evse: dict[str, Any] | None = None, **_: Any
    ) -> call_result.ChangeAvailability:
        evse_id = int(evse["id"]) if evse else 0
        targets = list(self.station.connectors) if evse_id == 0 else [evse_id]
        if any(t not in self.station.connectors for t in targets):
            return call_result.ChangeAvailability(status="Rejected")
        operative = operational_status == "Operative"
        scheduled = False
        for connector in targets:
            self.station.operative[connector] = operative
            if connector in self.station.sessions:
                scheduled = True
            else:
                self.spawn(self.set_status(connector, AVAILABLE if operative else UNAVAILABLE))
        return call_result.ChangeAvailability(status="Scheduled" if scheduled else "Accepted")

    @on("GetVariables")
    def on_get_variables(
        self, get_variable_data: list[dict[str, Any]], **_: Any
    ) -> call_result.GetVariables:
        results = []
        for item in get_variable_data:
            component, variable = item["component"], item["variable"]
            key = (component["name"], variable["name"])
            known_component = any(c == key[0] for c, _ in self.variables)
            result: dict[str, Any] = {"component": component, "variable": variable}
            if key in self.variables:
                result["attribute_status"] = "Accepted"
                result["attribute_value"] = self.variables[key][0]
            else:
                result["attribute_status"] = (
                    "UnknownVariable" if known_component else "UnknownComponent"
                )
            results.append(result)
        return call_result.GetVariables(get_variable_result=results)

    @on("SetVariables")
    def on_set_variables(
        self, set_variable_data: list[dict[str, Any]], **_: Any
    ) -> call_result.SetVariables:
        results = []
        for item in set_variable_data:
            component, variable = item["component"], item["variable"]
            key = (component["name"], variable["name"])
            value = str(item["attribute_value"])
            status = "Accepted"
            if key not in self.variables:
                known_component = any(c == key[0] for c, _ in self.variables)
                status = "UnknownVariable" if known_component else "UnknownComponent"
            elif self.variables[key][1] or (
                key[1] in {"HeartbeatInterval", "TxUpdatedInterval"}
                and (not value.isdigit() or int(value) <= 0)
            ):
                status = "Rejected"
            if status == "Accepted":
                self.variables[key] = (value, False)
                self.station.configuration[f"{key[0]}/{key[1]}"] = (value, False)
                if key == ("OCPPCommCtrlr", "HeartbeatInterval"):
                    self.station.heartbeat_interval_s = float(value)
            results.append(
                {"attribute_status": status, "component": component, "variable": variable}
            )
        return call_result.SetVariables(set_variable_result=results)

    @on("GetBaseReport")
    def on_get_base_report(
        self, request_id: int, report_base: str, **_: Any
    ) -> call_result.GetBaseReport:
        self.spawn(self._notify_report(request_id))
        return call_result.GetBaseReport(status="Accepted")

    async def _notify_report(self, request_id: int) -> None:
        report = [
            {
                "component": {"name": component},
                "variable": {"name": variable},
                "variable_attribute": [
                    {"value": value, "mutability": "ReadOnly" if read_only else "ReadWrite"}
                ],
            }
            for (component, variable), (value, read_only) in sorted(self.variables.items())
        ]
        await self.call(
            call.NotifyReport(
                request_id=request_id, generated_at=ocpp_time(), seq_no=0, report_data=report
            ),
            suppress=False,
        )

    @on("TriggerMessage")
    def on_trigger(
        self, requested_message: str, evse: dict[str, Any] | None = None, **_: Any
    ) -> call_result.TriggerMessage:
        evse_id = int(evse["id"]) if evse else None
        if evse_id is not None and evse_id not in self.station.connectors:
            return call_result.TriggerMessage(status="Rejected")
        connectors = [evse_id] if evse_id else list(self.station.connectors)
        if requested_message == "BootNotification":
            self.spawn(self.send_boot())
        elif requested_message == "Heartbeat":
            self.spawn(self.send_heartbeat())
        elif requested_message == "StatusNotification":
            self.spawn(self._send_statuses(connectors))
        elif requested_message == "MeterValues":
            self.spawn(self._send_meters(connectors))
        elif requested_message == "FirmwareStatusNotification":
            self.spawn(self._send_firmware_status("Idle", None))
        else:
            return call_result.TriggerMessage(status="NotImplemented")
        return call_result.TriggerMessage(status="Accepted")

    async def _send_statuses(self, connectors: list[int]) -> None:
        for connector in connectors:
            self._sent_status.pop(connector, None)
            await self.send_status(connector, self.station.status[connector])

    async def _send_meters(self, connectors: list[int]) -> None:
        for connector in connectors:
            await self.call(
                call.MeterValues(
                    evse_id=connector,
                    meter_value=[
                        {
                            "timestamp": ocpp_time(),
                            "sampled_value": [
                                {
                                    "value": float(self.station.meter_wh[connector]),
                                    "context": "Trigger",
                                    "measurand": "Energy.Active.Import.Register",
                                    "unit_of_measure": {"unit": "Wh"},
                                }
                            ],
                        }
                    ],
                ),
                suppress=False,
            )

    @on("ReserveNow")
    def on_reserve_now(
        self,
        id: int,
        expiry_date_time: str,
        id_token: dict[str, Any],
        evse_id: int | None = None,
        **_: Any,
    ) -> call_result.ReserveNow:
        station = self.station
        tag = str(id_token["id_token"])
        candidates = [evse_id] if evse_id else list(station.connectors)
        for connector in candidates:
            if connector not in station.connectors:
                return call_result.ReserveNow(status="Rejected")
            if not station.operative[connector]:
                continue
            existing = station.reservations.get(connector)
            if connector in station.sessions or (existing and existing.reservation_id != id):
                continue
            expires = datetime.fromisoformat(expiry_date_time.replace("Z", "+00:00"))
            station.reservations[connector] = Reservation(id, tag, expires)
            self.spawn(self.set_status(connector, RESERVED))
            self.spawn(self.expire_reservation(connector, id, expires))
            return call_result.ReserveNow(status="Accepted")
        if all(not station.operative[c] for c in candidates):
            return call_result.ReserveNow(status="Unavailable")
        return call_result.ReserveNow(status="Occupied")

    @on("CancelReservation")
    def on_cancel_reservation(self, reservation_id: int, **_: Any) -> call_result.CancelReservation:
        for connector, reservation in list(self.station.reservations.items()):
            if reservation.reservation_id == reservation_id:
                del self.station.reservations[connector]
                if connector not in self.station.sessions:
                    self.spawn(self.set_status(connector, self.idle_status(connector)))
                return call_result.CancelReservation(status="Accepted")
        return call_result.CancelReservation(status="Rejected")

    @on("DataTransfer")
    def on_data_transfer(
        self, vendor_id: str, message_id: str | None = None, data: Any = None, **_: Any
    ) -> call_result.DataTransfer:
        if vendor_id != self.station.spec.vendor:
            return call_result.DataTransfer(status="UnknownVendorId")
        return call_result.DataTransfer(status="Accepted", data=data)

    @on("UpdateFirmware")
    def on_update_firmware(self, request_id: int, **_: Any) -> call_result.UpdateFirmware:
        self.spawn(self._install_firmware(request_id))
        return call_result.UpdateFirmware(status="Accepted")

    async def _install_firmware(self, request_id: int) -> None:
        for status in ("Downloading", "Downloaded", "Installing", "Installed"):
            await asyncio.sleep(0.5)
            await self._send_firmware_status(status, request_id)

    async def _send_firmware_status(self, status: str, request_id: int | None) -> None:
        await self.call(
            call.FirmwareStatusNotification(status=status, request_id=request_id), suppress=False
        )

    @on("ClearCache")
    def on_clear_cache(self, **_: Any) -> call_result.ClearCache:
        return call_result.ClearCache(status="Accepted")
