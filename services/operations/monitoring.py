"""What operations does with connectivity's events: keep the stations read model and apply
the alert rules (offline, faults, emergency stops, tamper, security events, failed logins)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.operations.alerts import repository as alert_repository
from services.operations.alerts import rules
from services.operations.alerts import service as alerts
from services.operations.alerts.schemas import AlertOut
from services.operations.settings import Settings
from services.operations.stations import repository as stations
from shared.db import Connection
from shared.events.chargepoints import (
    ChargePointConnected,
    ChargePointDisconnected,
    ChargePointFault,
    ChargePointRegistered,
    ChargePointSecurityEvent,
    ConnectorStatusChanged,
)
from shared.events.support import StationSafetyReported


class Monitor:
    """The alert rules with their settings; every method runs in the caller's transaction."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def _site(self, conn: Connection, cp_id: str) -> str | None:
        station = await stations.get(conn, cp_id)
        return station.site if station is not None else None

    async def _raise(
        self, conn: Connection, condition: rules.Condition, at: datetime | None = None
    ) -> tuple[AlertOut, bool]:
        site = await self._site(conn, condition.charge_point_id or "")
        return await alerts.raise_condition(conn, condition, site=site, at=at)

    async def registry_changed(self, conn: Connection, event: ChargePointRegistered) -> None:
        await stations.upsert_registry(
            conn,
            event.charge_point_id,
            event.location.site_name,
            event.ocpp_version,
            event.connectors,
            event.approval,
        )
        if event.approval == "retired":
            # A retired charger is offline on purpose.
            await alerts.clear(conn, f"offline:{event.charge_point_id}")

    async def connected(self, conn: Connection, event: ChargePointConnected) -> None:
        await stations.came_online(conn, event.charge_point_id, event.ocpp_version)
        await alerts.clear(conn, f"offline:{event.charge_point_id}")
        # A charger that logs in again proves its credentials work.
        await alerts.clear(conn, f"failed_logins:{event.charge_point_id}")

    async def disconnected(self, conn: Connection, event: ChargePointDisconnected) -> None:
        # The debounce runs from when we learn of the outage, not from the event's time: were
        # this consumer behind, the reconnect that follows would still be queued, and a quick
        # reconnect would page someone.
        await stations.went_offline(conn, event.charge_point_id, datetime.now(UTC))
        if await alerts.recur(conn, f"offline:{event.charge_point_id}"):
            # Gone again during the hold-down: the open alert covers this outage too.
            await stations.mark_offline_alerted(conn, event.charge_point_id)

    async def status_changed(
        self, conn: Connection, event: ConnectorStatusChanged
    ) -> tuple[AlertOut, bool] | None:
        # 2.0.1 numbers connectors within an EVSE: the EVSE is what alerts (and work orders) name.
        connector = event.evse_id if event.evse_id is not None else event.connector_id
        if event.status == "Faulted":
            vendor_code = event.vendor_error_code or event.info
            condition = rules.faulted(
                event.charge_point_id, connector, event.error_code, vendor_code
            )
            # Our clock, not the charger's (its timestamp may be wrong): the hold-down must hold.
            return await self._raise(conn, condition)
        for key in rules.connector_keys(event.charge_point_id, connector):
            await alerts.clear(conn, key)
        return None

    async def security_event(
        self, conn: Connection, event: ChargePointSecurityEvent
    ) -> tuple[AlertOut, bool] | None:
        cp_id = event.charge_point_id or "unknown"
        if event.kind in rules.LOGIN_FAILURES:
            return await self._login_failed(conn, cp_id, event.kind, datetime.now(UTC), event.count)
        condition = rules.security_event(cp_id, event.kind, event.detail)
        return await self._raise(conn, condition, event.at) if condition else None

    async def _login_failed(
        self, conn: Connection, cp_id: str, kind: str, at: datetime, attempts: int
    ) -> tuple[AlertOut, bool] | None:
        """Count the attempts the event stands for: connectivity rate-limits refused handshakes
        to one event per address and interval and carries the held-back attempts in `count`."""
        window = self.settings.failed_logins_window_s
        await alert_repository.record_login_failure(conn, cp_id, kind, at, attempts)
        count = await alert_repository.count_login_failures(
            conn, cp_id, at - timedelta(seconds=window)
        )
        if count < self.settings.failed_logins_threshold:
            return None
        return await self._raise(conn, rules.failed_logins(cp_id, count, window), at)

    async def fault(
        self, conn: Connection, event: ChargePointFault
    ) -> tuple[AlertOut, bool] | None:
        condition = rules.charger_fault(event.charge_point_id, event.kind, event.detail)
        return await self._raise(conn, condition, event.at) if condition else None

    async def safety_reported(
        self, conn: Connection, event: StationSafetyReported
    ) -> tuple[AlertOut, bool] | None:
        """A driver's safety report (support) raises the station's safety alert, once per
        ticket: the same report delivered again, also under a new event id, counts nothing."""
        if not await alert_repository.record_safety_report(
            conn, event.ticket_id, event.charge_point_id, event.reported_at
        ):
            return None
        condition = rules.station_safety(
            event.charge_point_id,
            event.ticket_id,
            event.session_id,
            event.subject,
            event.description,
            event.reported_at.isoformat(),
        )
        return await self._raise(conn, condition)

    # -- the periodic evaluation ----------------------------------------------------------------

    async def raise_offline(self, conn: Connection, now: datetime) -> list[AlertOut]:
        """Chargers offline for longer than the debounce get their alert (once per outage)."""
        due = await stations.claim_offline_beyond(
            conn, now - timedelta(seconds=self.settings.offline_alert_after_s)
        )
        raised = []
        for station in due:
            assert station.offline_since is not None
            condition = rules.offline(station.charge_point_id, station.offline_since.isoformat())
            alert, _ = await alerts.raise_condition(conn, condition, site=station.site, at=now)
            raised.append(alert)
        return raised

    async def housekeeping(self, conn: Connection, now: datetime) -> None:
        await alert_repository.purge_login_failures(
            conn, now - timedelta(seconds=self.settings.failed_logins_window_s)
        )
