"""The central system's side of one charger connection: OCPP 1.6J and 2.0.1 message handlers.

Handlers keep the `ocpp` library's `@on(Action)` routing and its `call_result` types; they call
the service layer inside one transaction each. Heartbeats and meter samples go to the hub's
write-behind buffers so the hot path never waits for the database.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, Protocol

import structlog
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call_result as result16
from ocpp.v16.datatypes import IdTagInfo
from ocpp.v16.enums import Action as Action16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call_result as result201
from ocpp.v201.datatypes import IdTokenInfoType
from ocpp.v201.enums import Action as Action201

from services.connectivity.chargepoints import service as cp_service
from services.connectivity.ocpp.hub import Hub, StatusReport
from services.connectivity.ocpp.protocol import FastRouting, on
from services.connectivity.sessions import service as session_service
from services.connectivity.sessions.service import Decision, normalise_samples

log = structlog.get_logger(__name__)


class Transport(Protocol):
    async def send(self, message: str) -> None: ...
    async def close(self, code: int = 1000, reason: str = "") -> None: ...


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class CentralSystemConnection(FastRouting):
    """State of one live connection: its hub, a flood-control bucket, its version's handlers."""

    def __init__(self, cp_id: str, transport: Transport, hub: Hub, connection_id: str) -> None:
        self._init_transport(cp_id, transport, hub)
        self.transport = transport
        self.hub = hub
        self.connection_id = connection_id
        settings = hub.settings
        self._rate = settings.ocpp_rate_per_s
        self._burst = float(settings.ocpp_rate_burst)
        self._tokens = self._burst
        self._loop = asyncio.get_running_loop()
        self._refilled = self._loop.time()

    def throttle_delay(self) -> float:
        """Token bucket: seconds a flooding charger's next frame must wait (others never wait)."""
        now = self._loop.time()
        tokens = min(self._burst, self._tokens + (now - self._refilled) * self._rate)
        self._refilled = now
        if tokens >= 1:
            self._tokens = tokens - 1
            return 0.0
        self._tokens = 0.0
        # The refill during the wait pays for this frame.
        self._refilled = now + (1 - tokens) / self._rate
        return (1 - tokens) / self._rate

    @property
    def version(self) -> str:
        return self._ocpp_version

    async def _security_event(self, kind: str, detail: str | None) -> None:
        async with self.hub.transaction() as conn:
            await cp_service.security_event(conn, self.id, kind, detail)

    async def _fault(self, kind: str, detail: str | None) -> None:
        async with self.hub.transaction() as conn:
            await cp_service.fault(conn, self.id, kind, detail)

    async def _status(
        self,
        *,
        connector_id: int,
        evse_id: int | None,
        status: str,
        error_code: str | None,
        info: str | None,
        timestamp: str | None,
    ) -> None:
        await self.hub.statuses.submit(
            StatusReport(
                cp_id=self.id,
                connector_id=connector_id,
                evse_id=evse_id,
                status=status,
                error_code=error_code,
                info=info,
                at=session_service.parse_time(timestamp) if timestamp else None,
            )
        )

    async def _boot(self, vendor: str, model: str, serial: str | None, firmware: str | None) -> str:
        return await self.hub.boots.submit((self.id, vendor, model, serial, firmware))


_FAILED_FIRMWARE = {
    "DownloadFailed",
    "InstallationFailed",
    "InvalidSignature",
    "InstallVerificationFailed",
    "SignatureError",
    "UploadFailed",
    "AcceptedCanceled",
    "InvalidCertificate",
    "RevokedCertificate",
}


class Ocpp16Connection(CentralSystemConnection, ChargePoint16):  # type: ignore[misc]
    """OCPP 1.6J: Core, Firmware Management, Local Auth List, Reservation, Remote Trigger,
    Smart Charging and the Security extension's charger-initiated messages."""

    def _tag_info(self, decision: Decision) -> IdTagInfo:
        expiry = decision.expires_at.isoformat() if decision.expires_at else None
        return IdTagInfo(status=decision.status, expiry_date=expiry)

    @on(Action16.boot_notification)
    async def on_boot_notification(
        self, charge_point_vendor: str, charge_point_model: str, **kwargs: Any
    ) -> Any:
        status = await self._boot(
            charge_point_vendor,
            charge_point_model,
            kwargs.get("charge_point_serial_number"),
            kwargs.get("firmware_version"),
        )
        return result16.BootNotification(
            current_time=utc_now(), interval=self.hub.settings.heartbeat_interval_s, status=status
        )

    @on(Action16.heartbeat)
    async def on_heartbeat(self) -> Any:
        return result16.Heartbeat(current_time=utc_now())

    @on(Action16.status_notification)
    async def on_status_notification(
        self, connector_id: int, error_code: str, status: str, **kwargs: Any
    ) -> Any:
        await self._status(
            connector_id=connector_id,
            evse_id=None,
            status=status,
            error_code=error_code,
            info=kwargs.get("info") or kwargs.get("vendor_error_code"),
            timestamp=kwargs.get("timestamp"),
        )
        return result16.StatusNotification()

    @on(Action16.authorize)
    async def on_authorize(self, id_tag: str) -> Any:
        async with self.hub.transaction() as conn:
            decision = await session_service.authorize(conn, self.id, id_tag)
        return result16.Authorize(id_tag_info=self._tag_info(decision))

    @on(Action16.start_transaction)
    async def on_start_transaction(
        self, connector_id: int, id_tag: str, meter_start: int, timestamp: str, **kwargs: Any
    ) -> Any:
        async with self.hub.transaction() as conn:
            transaction_id, decision = await session_service.start_transaction(
                conn,
                self.id,
                connector_id=connector_id,
                id_tag=id_tag,
                meter_start=meter_start,
                timestamp=timestamp,
                reservation_id=kwargs.get("reservation_id"),
            )
        return result16.StartTransaction(
            transaction_id=transaction_id, id_tag_info=self._tag_info(decision)
        )

    @on(Action16.stop_transaction)
    async def on_stop_transaction(
        self, meter_stop: int, timestamp: str, transaction_id: int, **kwargs: Any
    ) -> Any:
        # Samples still buffered belong before the stop (final energy, power, SoC).
        await self.hub.flush()
        async with self.hub.transaction() as conn:
            decision = await session_service.stop_transaction(
                conn,
                self.id,
                transaction_id=transaction_id,
                meter_stop=meter_stop,
                timestamp=timestamp,
                reason=kwargs.get("reason"),
                id_tag=kwargs.get("id_tag"),
                samples=normalise_samples(kwargs.get("transaction_data") or []),
                throttle_s=self.hub.settings.session_update_interval_s,
                drawing_threshold_w=self.hub.settings.drawing_power_threshold_w,
            )
        return result16.StopTransaction(
            id_tag_info=self._tag_info(decision) if decision and kwargs.get("id_tag") else None
        )

    @on(Action16.meter_values)
    async def on_meter_values(
        self, connector_id: int, meter_value: list[dict[str, Any]], **kwargs: Any
    ) -> Any:
        transaction_id = kwargs.get("transaction_id")
        if transaction_id is not None:
            self.hub.queue_samples(self.id, str(transaction_id), normalise_samples(meter_value))
        return result16.MeterValues()

    @on(Action16.data_transfer)
    async def on_data_transfer(self, vendor_id: str, **kwargs: Any) -> Any:
        # No vendor extensions are implemented; the spec's answer for that is UnknownVendorId.
        return result16.DataTransfer(status="UnknownVendorId")

    @on(Action16.diagnostics_status_notification)
    async def on_diagnostics_status(self, status: str) -> Any:
        if status == "UploadFailed":
            await self._fault("diagnostics_upload_failed", status)
        return result16.DiagnosticsStatusNotification()

    @on(Action16.firmware_status_notification)
    async def on_firmware_status(self, status: str) -> Any:
        if status in _FAILED_FIRMWARE:
            await self._fault("firmware_update_failed", status)
        return result16.FirmwareStatusNotification()

    @on(Action16.signed_firmware_status_notification)
    async def on_signed_firmware_status(self, status: str, **kwargs: Any) -> Any:
        if status in _FAILED_FIRMWARE:
            await self._fault("firmware_update_failed", status)
        return result16.SignedFirmwareStatusNotification()

    @on(Action16.log_status_notification)
    async def on_log_status(self, status: str, **kwargs: Any) -> Any:
        if status in _FAILED_FIRMWARE or status == "UploadFailure":
            await self._fault("log_upload_failed", status)
        return result16.LogStatusNotification()

    @on(Action16.security_event_notification)
    async def on_security_event(self, type: str, timestamp: str, **kwargs: Any) -> Any:
        await self._security_event(type, kwargs.get("tech_info"))
        return result16.SecurityEventNotification()


class Ocpp201Connection(CentralSystemConnection, ChargePoint201):  # type: ignore[misc]
    """OCPP 2.0.1: the charger-initiated messages of the issue's list."""

    def _token_info(self, decision: Decision) -> IdTokenInfoType:
        expiry = decision.expires_at.isoformat() if decision.expires_at else None
        return IdTokenInfoType(status=decision.status, cache_expiry_date_time=expiry)

    @on(Action201.boot_notification)
    async def on_boot_notification(
        self, charging_station: dict[str, Any], reason: str, **kwargs: Any
    ) -> Any:
        status = await self._boot(
            charging_station.get("vendor_name", ""),
            charging_station.get("model", ""),
            charging_station.get("serial_number"),
            charging_station.get("firmware_version"),
        )
        return result201.BootNotification(
            current_time=utc_now(), interval=self.hub.settings.heartbeat_interval_s, status=status
        )

    @on(Action201.heartbeat)
    async def on_heartbeat(self, **kwargs: Any) -> Any:
        return result201.Heartbeat(current_time=utc_now())

    @on(Action201.status_notification)
    async def on_status_notification(
        self,
        timestamp: str,
        connector_status: str,
        evse_id: int,
        connector_id: int,
        **kwargs: Any,
    ) -> Any:
        await self._status(
            connector_id=connector_id,
            evse_id=evse_id,
            status=connector_status,
            error_code=None,
            info=None,
            timestamp=timestamp,
        )
        return result201.StatusNotification()

    @on(Action201.authorize)
    async def on_authorize(self, id_token: dict[str, Any], **kwargs: Any) -> Any:
        async with self.hub.transaction() as conn:
            decision = await session_service.authorize(conn, self.id, id_token["id_token"])
        return result201.Authorize(id_token_info=self._token_info(decision))

    @on(Action201.transaction_event)
    async def on_transaction_event(
        self,
        event_type: str,
        timestamp: str,
        trigger_reason: str,
        seq_no: int,
        transaction_info: dict[str, Any],
        **kwargs: Any,
    ) -> Any:
        evse = kwargs.get("evse") or {}
        token = (kwargs.get("id_token") or {}).get("id_token")
        async with self.hub.transaction() as conn:
            decision = await session_service.transaction_event(
                conn,
                self.id,
                event_type=event_type,
                transaction_id=transaction_info["transaction_id"],
                timestamp=timestamp,
                evse_id=evse.get("id"),
                connector_id=evse.get("connector_id"),
                id_token=token,
                stopped_reason=transaction_info.get("stopped_reason"),
                samples=normalise_samples(kwargs.get("meter_value") or []),
                throttle_s=self.hub.settings.session_update_interval_s,
                drawing_threshold_w=self.hub.settings.drawing_power_threshold_w,
            )
        return result201.TransactionEvent(
            id_token_info=self._token_info(decision) if decision else None
        )

    @on(Action201.meter_values)
    async def on_meter_values(
        self, evse_id: int, meter_value: list[dict[str, Any]], **kwargs: Any
    ) -> Any:
        # 2.0.1 MeterValues carry no transaction (those go in TransactionEvent): kept in the
        # frame log only.
        return result201.MeterValues()

    @on(Action201.notify_report)
    async def on_notify_report(
        self, request_id: int, generated_at: str, seq_no: int, **kwargs: Any
    ) -> Any:
        log.info(
            "connectivity.report.part",
            charge_point_id=self.id,
            request_id=request_id,
            seq_no=seq_no,
            items=len(kwargs.get("report_data") or []),
        )
        return result201.NotifyReport()

    @on(Action201.security_event_notification)
    async def on_security_event(self, type: str, timestamp: str, **kwargs: Any) -> Any:
        await self._security_event(type, kwargs.get("tech_info"))
        return result201.SecurityEventNotification()

    @on(Action201.firmware_status_notification)
    async def on_firmware_status(self, status: str, **kwargs: Any) -> Any:
        if status in _FAILED_FIRMWARE:
            await self._fault("firmware_update_failed", status)
        return result201.FirmwareStatusNotification()

    @on(Action201.data_transfer)
    async def on_data_transfer(self, vendor_id: str, **kwargs: Any) -> Any:
        return result201.DataTransfer(status="UnknownVendorId")


CONNECTION_TYPES: dict[str, type[CentralSystemConnection]] = {
    "ocpp1.6": Ocpp16Connection,
    "ocpp2.0.1": Ocpp201Connection,
}
