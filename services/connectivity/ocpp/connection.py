"""The central system's side of one charger connection, common to both OCPP versions: its
hub, flood control, approval gate and the edge checks of every payload (see edge.py)."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar, Protocol

import structlog
from ocpp.exceptions import SecurityError

from services.connectivity.chargepoints import service as cp_service
from services.connectivity.chargepoints.reports import BootReport, StatusReport
from services.connectivity.ocpp.edge import Unstorable, drop_unstorable, first_unstorable
from services.connectivity.ocpp.hub import Hub
from services.connectivity.ocpp.protocol import FastRouting
from services.connectivity.sessions.samples import parse_time
from shared.clock import utc_now

log = structlog.get_logger(__name__)

# What a charger may send before an operator approves it (OCPP 2.0.1 B02.FR.09: anything else
# from a Pending station is answered with a CALLERROR SecurityError; 1.6 has the same code).
WHILE_NOT_APPROVED = frozenset({"BootNotification", "Heartbeat"})
_REGISTRATION_APPROVAL = {"Accepted": "approved", "Pending": "pending", "Rejected": "retired"}


class Transport(Protocol):
    async def send(self, message: str) -> None: ...
    async def close(self, code: int = 1000, reason: str = "") -> None: ...


class CentralSystemConnection(FastRouting):
    """State of one live connection: its hub, a flood-control bucket, its version's handlers."""

    # Messages OCPP obliges the central system to answer (the charger retries them until it
    # gets an answer): an unstorable field is dropped and reported instead of refused.
    MUST_ANSWER: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self,
        cp_id: str,
        transport: Transport,
        hub: Hub,
        connection_id: str,
        approval: str = "approved",
    ) -> None:
        settings = hub.settings
        # Frames go straight to the write-behind buffer (the hot path: no extra call layer).
        self._init_transport(
            cp_id, transport, hub.buffers, max_answers=settings.ocpp_response_queue_max
        )
        self.transport = transport
        self.hub = hub
        self.connection_id = connection_id
        self.approval = approval
        self._max_items = settings.ocpp_max_list_items
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

    # -- what may come in --------------------------------------------------------------------

    def _must_answer(self, action: str, payload: dict[str, Any]) -> bool:
        return action in self.MUST_ANSWER

    def _admit(self, action: str, payload: dict[str, Any], escaped: bool) -> dict[str, Any]:
        if self.approval != "approved" and action not in WHILE_NOT_APPROVED:
            raise SecurityError(
                details={"cause": f"The charge point is not accepted ({self.approval})."}
            )
        if not self._must_answer(action, payload):
            problem = first_unstorable(payload, escaped=escaped, max_items=self._max_items)
            if problem is not None:
                self.report_unstorable(action, [problem])
                raise problem.error(self._ocpp_version)
            return payload
        dropped: list[Unstorable] = []
        kept = drop_unstorable(payload, escaped=escaped, max_items=self._max_items, dropped=dropped)
        if not dropped:
            return payload
        self.report_unstorable(action, dropped)
        kept_payload: dict[str, Any] = kept
        return kept_payload

    def report_unstorable(self, action: str, problems: list[Unstorable]) -> None:
        detail = "; ".join(f"{p.path}: {p.reason}" for p in problems)[:500]
        log.warning(
            "connectivity.ocpp.unstorable_value",
            charge_point_id=self.id,
            action=action,
            detail=detail,
        )
        self.hub.security.report(self.id, self.id, "unstorable_value", f"{action}: {detail}")

    # -- helpers of the handlers -------------------------------------------------------------

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
        vendor_error_code: str | None = None,
    ) -> None:
        if status == "Available" and connector_id > 0:
            # A session still open on this connector is closed as an orphan: with its samples.
            await self.hub.buffers.write_samples_of(self.id)
        await self.hub.statuses.submit(
            StatusReport(
                cp_id=self.id,
                connector_id=connector_id,
                evse_id=evse_id,
                status=status,
                error_code=error_code,
                info=info,
                at=parse_time(timestamp) if timestamp else utc_now(),
                vendor_error_code=vendor_error_code,
            )
        )

    async def _boot(self, vendor: str, model: str, serial: str | None, firmware: str | None) -> str:
        # Open sessions end with the reboot (closed as orphans): with their samples.
        await self.hub.buffers.write_samples_of(self.id)
        registration = await self.hub.boots.submit(
            BootReport(self.id, vendor, model, serial, firmware)
        )
        # An operator's approval takes effect at the charger's next boot.
        self.approval = _REGISTRATION_APPROVAL.get(registration, "retired")
        return registration
