"""A simulated OCPP 1.6J charger: the client side of `ocpp.v16.ChargePoint`."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from ocpp.v16 import ChargePoint, call, call_result
from websockets.asyncio.client import ClientConnection

from shared.clock import ocpp_time
from shared.ocpp import on
from tools.simulator.charger import SimulatedCharger
from tools.simulator.outbox import Reading, TxMessage
from tools.simulator.station import AVAILABLE, FAULTED, UNAVAILABLE, Reservation, Station

DEFAULT_CONFIGURATION: dict[str, tuple[str, bool]] = {
    # key: (value, read-only)
    "HeartbeatInterval": ("60", False),
    "MeterValueSampleInterval": ("30", False),
    "MeterValuesSampledData": (
        "Energy.Active.Import.Register,Power.Active.Import,SoC",
        False,
    ),
    "AuthorizeRemoteTxRequests": ("false", False),
    "LocalAuthorizeOffline": ("true", False),
    "ConnectionTimeOut": ("60", False),
    "NumberOfConnectors": ("1", True),
    "SupportedFeatureProfiles": (
        "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger",
        True,
    ),
}

STOP_REASONS = {
    "EVDisconnected",
    "Local",
    "Remote",
    "HardReset",
    "SoftReset",
    "DeAuthorized",
    "UnlockCommand",
    "Reboot",
    "PowerLoss",
    "EmergencyStop",
    "Other",
}


class Charger16(SimulatedCharger, ChargePoint):  # type: ignore[misc]
    """An OCPP 1.6J charger of the fleet."""

    # Version of the local authorisation list the CSMS last sent (0: none).
    _local_list_version = 0

    def __init__(self, station: Station, connection: ClientConnection) -> None:
        ChargePoint.__init__(
            self, station.spec.id, connection, response_timeout=station.options.response_timeout_s
        )
        self._setup(station)
        self._connection_ws = connection
        if not station.configuration:
            station.configuration = dict(DEFAULT_CONFIGURATION)
            station.configuration["NumberOfConnectors"] = (str(station.spec.connectors), True)

    # -- what the charger sends ---------------------------------------------------------------

    async def close_connection(self) -> None:
        await self._connection_ws.close()

    async def send_boot(self) -> tuple[str, float]:
        spec = self.station.spec
        response = await self.call(
            call.BootNotification(
                charge_point_vendor=spec.vendor,
                charge_point_model=spec.model,
                charge_point_serial_number=spec.serial_number,
                firmware_version=spec.firmware_version,
            ),
            suppress=False,
        )
        return str(response.status), float(response.interval)

    async def send_heartbeat(self) -> None:
        await self.call(call.Heartbeat(), suppress=False)

    async def send_status(self, connector: int, status: str) -> None:
        error_code = "NoError"
        if status == FAULTED:
            error_code = self.station.faults.get(connector, "OtherError")
        await self.call(
            call.StatusNotification(
                connector_id=connector, error_code=error_code, status=status, timestamp=ocpp_time()
            ),
            suppress=False,
        )

    async def send_security_event(self, kind: str, info: str) -> None:
        await self.call(
            call.SecurityEventNotification(type=kind, timestamp=ocpp_time(), tech_info=info),
            suppress=False,
        )

    async def send_authorize(self, id_tag: str) -> bool:
        response = await self.call(call.Authorize(id_tag=id_tag), suppress=False)
        return bool(response.id_tag_info["status"] == "Accepted")

    async def send_start(self, message: TxMessage) -> bool:
        session = message.session
        response = await self.call(
            call.StartTransaction(
                connector_id=session.connector,
                id_tag=session.id_tag,
                meter_start=session.physics.meter_start_wh,
                timestamp=message.reading.timestamp,
                reservation_id=message.reservation_id,
            ),
            suppress=False,
        )
        session.transaction_id = int(response.transaction_id)
        return bool(response.id_tag_info["status"] == "Accepted")

    def _sample(self, reading: Reading, context: str) -> dict[str, Any]:
        return {
            "timestamp": reading.timestamp,
            "sampled_value": [
                {
                    "value": str(reading.meter_wh),
                    "context": context,
                    "measurand": "Energy.Active.Import.Register",
                    "unit": "Wh",
                },
                {
                    "value": f"{reading.power_w:.0f}",
                    "context": context,
                    "measurand": "Power.Active.Import",
                    "unit": "W",
                },
                {
                    "value": f"{reading.soc_percent:.1f}",
                    "context": context,
                    "measurand": "SoC",
                    "location": "EV",
                    "unit": "Percent",
                },
            ],
        }

    async def send_meter(self, message: TxMessage) -> None:
        session = message.session
        await self.call(
            call.MeterValues(
                connector_id=session.connector,
                transaction_id=session.transaction_id,
                meter_value=[self._sample(message.reading, "Sample.Periodic")],
            ),
            suppress=False,
        )

    async def send_stop(self, message: TxMessage) -> None:
        session = message.session
        reason = session.stop_reason if session.stop_reason in STOP_REASONS else "Other"
        await self.call(
            call.StopTransaction(
                meter_stop=message.reading.meter_wh,
                timestamp=message.reading.timestamp,
                transaction_id=session.transaction_id,
                reason=reason,
                id_tag=session.id_tag,
                transaction_data=[self._sample(message.reading, "Transaction.End")],
            ),
            suppress=False,
        )

    # -- what the central system asks ---------------------------------------------------------

    @on("RemoteStartTransaction")
    def on_remote_start(
        self, id_tag: str, connector_id: int | None = None, **_: Any
    ) -> call_result.RemoteStartTransaction:
        connector = self.station.free_connector(connector_id, id_tag)
        if connector is None:
            return call_result.RemoteStartTransaction(status="Rejected")
        authorize = self.station.configuration["AuthorizeRemoteTxRequests"][0] == "true"
        self.spawn(self.charge(connector, id_tag, authorize=authorize))
        return call_result.RemoteStartTransaction(status="Accepted")

    @on("RemoteStopTransaction")
    def on_remote_stop(self, transaction_id: int, **_: Any) -> call_result.RemoteStopTransaction:
        session = self.station.session_by_transaction(transaction_id)
        if session is None:
            return call_result.RemoteStopTransaction(status="Rejected")
        session.request_stop("Remote")
        return call_result.RemoteStopTransaction(status="Accepted")

    @on("Reset")
    def on_reset(self, type: str, **_: Any) -> call_result.Reset:
        for session in self.station.sessions.values():
            session.request_stop("HardReset" if type == "Hard" else "SoftReset")
        self.reboot_soon()
        return call_result.Reset(status="Accepted")

    @on("UnlockConnector")
    def on_unlock(self, connector_id: int, **_: Any) -> call_result.UnlockConnector:
        if connector_id not in self.station.connectors:
            return call_result.UnlockConnector(status="NotSupported")
        session = self.station.sessions.get(connector_id)
        if session is not None:
            session.request_stop("UnlockCommand")
        return call_result.UnlockConnector(status="Unlocked")

    @on("ChangeAvailability")
    def on_change_availability(
        self, connector_id: int, type: str, **_: Any
    ) -> call_result.ChangeAvailability:
        targets = list(self.station.connectors) if connector_id == 0 else [connector_id]
        if any(t not in self.station.connectors for t in targets):
            return call_result.ChangeAvailability(status="Rejected")
        operative = type == "Operative"
        scheduled = False
        for connector in targets:
            self.station.operative[connector] = operative
            if connector in self.station.sessions:
                # Takes effect when the running session ends.
                scheduled = True
            else:
                self.spawn(self.set_status(connector, AVAILABLE if operative else UNAVAILABLE))
        return call_result.ChangeAvailability(status="Scheduled" if scheduled else "Accepted")

    @on("ChangeConfiguration")
    def on_change_configuration(
        self, key: str, value: str, **_: Any
    ) -> call_result.ChangeConfiguration:
        current = self.station.configuration.get(key)
        if current is None:
            return call_result.ChangeConfiguration(status="NotSupported")
        if current[1]:
            return call_result.ChangeConfiguration(status="Rejected")
        if key in {"HeartbeatInterval", "MeterValueSampleInterval"}:
            if not value.isdigit() or int(value) <= 0:
                return call_result.ChangeConfiguration(status="Rejected")
            if key == "HeartbeatInterval":
                self.station.heartbeat_interval_s = float(value)
        self.station.configuration[key] = (value, False)
        return call_result.ChangeConfiguration(status="Accepted")

    @on("GetConfiguration")
    def on_get_configuration(
        self, key: list[str] | None = None, **_: Any
    ) -> call_result.GetConfiguration:
        configuration = self.station.configuration
        wanted = key or list(configuration)
        known = [k for k in wanted if k in configuration]
        return call_result.GetConfiguration(
            configuration_key=[
                {"key": k, "readonly": configuration[k][1], "value": configuration[k][0]}
                for k in known
            ],
            unknown_key=[k for k in wanted if k not in configuration] or None,
        )

    @on("TriggerMessage")
    def on_trigger(
        self, requested_message: str, connector_id: int | None = None, **_: Any
    ) -> call_result.TriggerMessage:
        if connector_id is not None and connector_id not in self.station.connectors:
            return call_result.TriggerMessage(status="Rejected")
        connectors = [connector_id] if connector_id else list(self.station.connectors)
        if requested_message == "BootNotification":
            self.spawn(self.send_boot())
        elif requested_message == "Heartbeat":
            self.spawn(self.send_heartbeat())
        elif requested_message == "StatusNotification":
            self.spawn(self._send_statuses(connectors))
        elif requested_message == "MeterValues":
            self.spawn(self._send_meters(connectors))
        elif requested_message in {"DiagnosticsStatusNotification", "FirmwareStatusNotification"}:
            self.spawn(self._send_idle_notification(requested_message))
        else:
            return call_result.TriggerMessage(status="NotImplemented")
        return call_result.TriggerMessage(status="Accepted")

    async def _send_statuses(self, connectors: list[int]) -> None:
        for connector in connectors:
            await self.send_status(connector, self.station.status[connector])

    async def _send_meters(self, connectors: list[int]) -> None:
        for connector in connectors:
            session = self.station.sessions.get(connector)
            if session is not None and session.transaction_id is not None:
                await self.call(
                    call.MeterValues(
                        connector_id=connector,
                        transaction_id=session.transaction_id,
                        meter_value=[self._sample(Reading.of(session), "Trigger")],
                    ),
                    suppress=False,
                )
            else:
                register = self.station.meter_wh[connector]
                await self.call(
                    call.MeterValues(
                        connector_id=connector,
                        meter_value=[
                            {
                                "timestamp": ocpp_time(),
                                "sampled_value": [
                                    {
                                        "value": str(register),
                                        "context": "Trigger",
                                        "measurand": "Energy.Active.Import.Register",
                                        "unit": "Wh",
                                    }
                                ],
                            }
                        ],
                    ),
                    suppress=False,
                )

    async def _send_idle_notification(self, action: str) -> None:
        if action == "DiagnosticsStatusNotification":
            await self.call(call.DiagnosticsStatusNotification(status="Idle"), suppress=False)
        else:
            await self.call(call.FirmwareStatusNotification(status="Idle"), suppress=False)

    @on("ReserveNow")
    def on_reserve_now(
        self, connector_id: int, expiry_date: str, id_tag: str, reservation_id: int, **_: Any
    ) -> call_result.ReserveNow:
        station = self.station
        if connector_id not in station.connectors:
            return call_result.ReserveNow(status="Rejected")
        if not station.operative[connector_id]:
            return call_result.ReserveNow(status="Unavailable")
        if connector_id in station.sessions or (
            connector_id in station.reservations
            and station.reservations[connector_id].reservation_id != reservation_id
        ):
            return call_result.ReserveNow(status="Occupied")
        expires = datetime.fromisoformat(expiry_date.replace("Z", "+00:00"))
        station.reservations[connector_id] = Reservation(reservation_id, id_tag, expires)
        self.spawn(self.set_status(connector_id, "Reserved"))
        self.spawn(self.expire_reservation(connector_id, reservation_id, expires))
        return call_result.ReserveNow(status="Accepted")

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
        self, vendor_id: str, message_id: str | None = None, data: str | None = None, **_: Any
    ) -> call_result.DataTransfer:
        if vendor_id != self.station.spec.vendor:
            return call_result.DataTransfer(status="UnknownVendorId")
        return call_result.DataTransfer(status="Accepted", data=data)

    @on("ClearCache")
    def on_clear_cache(self, **_: Any) -> call_result.ClearCache:
        return call_result.ClearCache(status="Accepted")

    @on("GetLocalListVersion")
    def on_get_local_list_version(self, **_: Any) -> call_result.GetLocalListVersion:
        return call_result.GetLocalListVersion(list_version=self._local_list_version)

    @on("SendLocalList")
    def on_send_local_list(self, list_version: int, **_: Any) -> call_result.SendLocalList:
        self._local_list_version = list_version
        return call_result.SendLocalList(status="Accepted")

    @on("UpdateFirmware")
    def on_update_firmware(self, location: str, **_: Any) -> call_result.UpdateFirmware:
        self.spawn(self._install_firmware())
        return call_result.UpdateFirmware()

    async def _install_firmware(self) -> None:
        for status in ("Downloading", "Downloaded", "Installing", "Installed"):
            await asyncio.sleep(0.5)
            await self.call(call.FirmwareStatusNotification(status=status), suppress=False)

    @on("GetDiagnostics")
    def on_get_diagnostics(self, location: str, **_: Any) -> call_result.GetDiagnostics:
        self.spawn(self._upload_diagnostics())
        return call_result.GetDiagnostics(file_name=f"{self.station.spec.id}-diagnostics.log")

    async def _upload_diagnostics(self) -> None:
        for status in ("Uploading", "Uploaded"):
            await asyncio.sleep(0.5)
            await self.call(call.DiagnosticsStatusNotification(status=status), suppress=False)

    @on("SetChargingProfile")
    def on_set_charging_profile(
        self, connector_id: int, **_: Any
    ) -> call_result.SetChargingProfile:
        if connector_id != 0 and connector_id not in self.station.connectors:
            return call_result.SetChargingProfile(status="Rejected")
        return call_result.SetChargingProfile(status="Accepted")

    @on("ClearChargingProfile")
    def on_clear_charging_profile(self, **_: Any) -> call_result.ClearChargingProfile:
        return call_result.ClearChargingProfile(status="Accepted")

    @on("GetCompositeSchedule")
    def on_get_composite_schedule(
        self, connector_id: int, duration: int, **_: Any
    ) -> call_result.GetCompositeSchedule:
        limit = self.station.max_power_w if connector_id in self.station.sessions else 0.0
        return call_result.GetCompositeSchedule(
            status="Accepted",
            connector_id=connector_id,
            schedule_start=ocpp_time(),
            charging_schedule={
                "duration": duration,
                "charging_rate_unit": "W",
                "charging_schedule_period": [{"start_period": 0, "limit": limit}],
            },
        )
