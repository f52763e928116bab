"""Sessions whose stop never arrived, closed so they are billed and free the driver's token.

A charger that loses power mid-session may never send StopTransaction / TransactionEvent
Ended; the session would stay active forever and the token would answer ConcurrentTx on every
charger. Three things close such a session, each with its own stop reason, and each publishes
`session.stopped` through the outbox (in the same transaction) so billing happens:

- the charger's next BootNotification (it rebooted, so nothing of the session survives);
- a StatusNotification `Available` for the connector (1.6) or EVSE (2.0.1) of the session;
- an operator (`POST /v1/sessions/{id}/close`).
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg
import structlog

from services.connectivity.chargepoints.reports import StatusReport
from services.connectivity.sessions import repository
from services.connectivity.sessions.schemas import SessionOut
from services.connectivity.sessions.service import publish_stopped, to_out
from shared.auth.jwt import Principal
from shared.db import Connection
from shared.problems import Conflict, NotFound

log = structlog.get_logger(__name__)

REBOOTED = "OrphanedAtBoot"
CONNECTOR_FREE = "OrphanedConnectorAvailable"
BY_OPERATOR = "ClosedByOperator"


async def _closed(conn: Connection, rows: Sequence[asyncpg.Record], reason: str) -> int:
    for row in rows:
        log.warning(
            "charging.session.orphan_closed",
            session_id=str(row["id"]),
            charge_point_id=row["charge_point_id"],
            reason=reason,
        )
        if row["auth_status"] == "Accepted":
            await publish_stopped(conn, row)
    return len(rows)


async def close_after_boot(conn: Connection, cp_ids: Sequence[str]) -> int:
    """The chargers booted: their active sessions ended with the reboot."""
    if not cp_ids:
        return 0
    rows = await repository.stop_orphans_of_chargers(conn, sorted(set(cp_ids)), REBOOTED)
    return await _closed(conn, rows, REBOOTED)


async def close_on_available(conn: Connection, reports: Sequence[StatusReport]) -> int:
    """Connectors reported Available: no transaction can be running on them."""
    free = [r for r in reports if r.status == "Available" and r.connector_id > 0]
    if not free:
        return 0
    rows = await repository.stop_orphans_on_connectors(
        conn,
        [r.cp_id for r in free],
        [r.connector_id for r in free],
        [r.evse_id for r in free],
        [r.at for r in free],
        CONNECTOR_FREE,
    )
    return await _closed(conn, rows, CONNECTOR_FREE)


async def close_by_operator(
    conn: Connection, principal: Principal, session_id: str, reason: str
) -> SessionOut:
    try:
        key = UUID(session_id)
    except ValueError:
        raise NotFound(f"No session {session_id}.") from None
    row = await repository.stop_orphan(conn, key, reason)
    if row is None:
        if await repository.get_session(conn, key) is None:
            raise NotFound(f"No session {session_id}.")
        raise Conflict(f"Session {session_id} is not active.")
    log.info("charging.session.closed_by_operator", by=principal.subject)
    await _closed(conn, [row], reason)
    return to_out(row)
