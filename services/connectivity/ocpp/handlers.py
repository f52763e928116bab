"""OCPP 1.6J and 2.0.1 message handlers of the central system.

Handlers keep the `ocpp` library's `@on(Action)` routing and its `call_result` types; they call
the service layer inside one transaction each. Heartbeats and meter samples go to the hub's
write-behind buffers so the hot path never waits for the database. Payloads arrive checked
(schema, approval, storable values: see connection.py and edge.py).
"""

from __future__ import annotations

from typing import Any, ClassVar

import structlog
from ocpp.exceptions import InternalError, PropertyConstraintViolationError
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call_result as result16
from ocpp.v16.datatypes import IdTagInfo
from ocpp.v16.enums import Action as Action16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call_result as result201
from ocpp.v201.datatypes import IdTokenInfoType
from ocpp.v201.enums import Action as Action201

from services.connectivity.ocpp.connection import CentralSystemConnection
from services.connectivity.ocpp.edge import Unstorable
from services.connectivity.sessions import service as session_service
from services.connectivity.sessions.samples import UnstorableSample, normalise_samples
from services.connectivity.sessions.schemas import Sample, TransactionSamples
from services.connectivity.sessions.service import Decision
from shared.clock import ocpp_time
from shared.ocpp import on

log = structlog.get_logger(__name__)


def _samples_or_error(cp: CentralSystemConnection, action: str, meter_value: Any) -> list[Sample]:
    """Strictly normalised samples; a value the platform cannot store refuses the message."""
    try:
        return normalise_samples(meter_value)
    except UnstorableSample as exc:
        problem = Unstorable("meterValue", "property", str(exc))
        cp.report_unstorable(action, [problem])
        raise PropertyConstraintViolationError(details={"cause": str(exc)}) from None


def _samples_dropping(cp: CentralSystemConnection, action: str, meter_value: Any) -> list[Sample]:
    """Normalised samples of a message that must be answered: unstorable values left out."""
    rejected: list[str] = []
    samples = normalise_samples(meter_value, rejected=rejected)
    if rejected:
        cp.report_unstorable(action, [Unstorable("meterValue", "property", r) for r in rejected])
    return samples


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

    MUST_ANSWER: ClassVar[frozenset[str]] = frozenset({"StartTransaction", "StopTransaction"})

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
            current_time=ocpp_time(), interval=self.hub.settings.heartbeat_interval_s, status=status
        )

    @on(Action16.heartbeat)
    async def on_heartbeat(self) -> Any:
        return result16.Heartbeat(current_time=ocpp_time())

    @on(Action16.status_notification)
    async def on_status_notification(
        self, connector_id: int, error_code: str, status: str, **kwargs: Any
    ) -> Any:
        await self._status(
            connector_id=connector_id,
            evse_id=None,
            status=status,
            error_code=error_code,
            info=kwargs.get("info"),
            timestamp=kwargs.get("timestamp"),
            vendor_error_code=kwargs.get("vendor_error_code"),
        )
        return result16.StatusNotification()

    @on(Action16.authorize)
    async def on_authorize(self, id_tag: str) -> Any:
        async with self.hub.transaction() as conn:
            decision = await session_service.authorize(conn, self.id, id_tag)
        return result16.Authorize(id_tag_info=self._tag_info(decision))

    @on(Action16.start_transaction)
    async def on_start_transaction(
        self,
        connector_id: int | None = None,
        id_tag: str | None = None,
        meter_start: int | None = None,
        timestamp: str | None = None,
        **kwargs: Any,
    ) -> Any:
        # A field that could not be stored was dropped at the edge: the start is still kept
        # (OCPP wants it answered) but without its token, so it is answered Invalid.
        complete = None not in (connector_id, id_tag, meter_start)
        async with self.hub.transaction() as conn:
            transaction_id, decision = await session_service.start_transaction(
                conn,
                self.id,
                connector_id=connector_id if connector_id is not None else 0,
                id_tag=id_tag if complete else None,
                meter_start=meter_start if meter_start is not None else 0,
                timestamp=timestamp,
                reservation_id=kwargs.get("reservation_id"),
            )
        return result16.StartTransaction(
            transaction_id=transaction_id, id_tag_info=self._tag_info(decision)
        )

    @on(Action16.stop_transaction)
    async def on_stop_transaction(
        self,
        transaction_id: int | None = None,
        meter_stop: int | None = None,
        timestamp: str | None = None,
        **kwargs: Any,
    ) -> Any:
        samples = _samples_dropping(self, "StopTransaction", kwargs.get("transaction_data") or [])
        if transaction_id is None:  # dropped at the edge: nothing to stop, but an answer
            return result16.StopTransaction()
        # This transaction's samples still buffered are written with the stop, in its own
        # transaction: final figures include them, and no other charger's rows are involved.
        buffered = await self.hub.buffers.take_samples(self.id, str(transaction_id))
        try:
            async with self.hub.transaction() as conn:
                decision = await session_service.stop_transaction(
                    conn,
                    self.id,
                    transaction_id=transaction_id,
                    meter_stop=meter_stop,
                    timestamp=timestamp,
                    reason=kwargs.get("reason"),
                    id_tag=kwargs.get("id_tag"),
                    samples=buffered + samples,
                    throttle_s=self.hub.settings.session_update_interval_s,
                    drawing_threshold_w=self.hub.settings.drawing_power_threshold_w,
                )
        except BaseException:
            self.hub.buffers.return_samples(self.id, str(transaction_id), buffered)
            raise
        return result16.StopTransaction(
            id_tag_info=self._tag_info(decision) if decision and kwargs.get("id_tag") else None
        )

    @on(Action16.meter_values)
    async def on_meter_values(
        self, connector_id: int, meter_value: list[dict[str, Any]], **kwargs: Any
    ) -> Any:
        transaction_id = kwargs.get("transaction_id")
        if transaction_id is not None:
            samples = _samples_or_error(self, "MeterValues", meter_value)
            if not self.hub.queue_samples(self.id, str(transaction_id), samples):
                await self._write_samples_now(str(transaction_id), samples)
        return result16.MeterValues()

    async def _write_samples_now(self, transaction_id: str, samples: list[Sample]) -> None:
        """The replica's sample buffer is full: this charger's samples are written at once
        (back-pressure on the sender); if that fails it gets an error and sends them again."""
        try:
            async with self.hub.transaction() as conn:
                await session_service.record_transaction_samples(
                    conn,
                    [TransactionSamples(self.id, transaction_id, samples)],
                    self.hub.settings.session_update_interval_s,
                )
        except Exception as exc:
            log.warning("connectivity.samples.write_failed", error=repr(exc)[:300])
            raise InternalError(details={"cause": "Samples could not be stored."}) from None

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

    def _must_answer(self, action: str, payload: dict[str, Any]) -> bool:
        return action == "TransactionEvent" and payload.get("eventType") == "Ended"

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
            current_time=ocpp_time(), interval=self.hub.settings.heartbeat_interval_s, status=status
        )

    @on(Action201.heartbeat)
    async def on_heartbeat(self, **kwargs: Any) -> Any:
        return result201.Heartbeat(current_time=ocpp_time())

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
        transaction_info: dict[str, Any],
        timestamp: str | None = None,
        **kwargs: Any,
    ) -> Any:
        evse = kwargs.get("evse") or {}
        token = (kwargs.get("id_token") or {}).get("id_token")
        if event_type == "Ended":  # must be answered: unstorable samples are left out
            samples = _samples_dropping(self, "TransactionEvent", kwargs.get("meter_value") or [])
        else:
            samples = _samples_or_error(self, "TransactionEvent", kwargs.get("meter_value") or [])
        if "transaction_id" not in transaction_info:  # dropped at the edge
            return result201.TransactionEvent()
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
                samples=samples,
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
