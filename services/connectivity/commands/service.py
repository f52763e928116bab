"""Rules of remote commands: which actions each version allows, routing, settling results.

A command is recorded and published on `connectivity.commands.v1` (keyed by charger) through
the outbox. Every replica consumes that topic in a consumer group of its own; the replica that
holds the charger's WebSocket executes it, and the first replica to settle a command (answer,
CALLERROR, timeout, or offline when no live replica holds the charger) publishes the result.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import structlog
from ocpp.exceptions import OCPPError
from ocpp.messages import Call, _validate_payload

from services.connectivity.chargepoints import repository as cp_repository
from services.connectivity.commands import repository
from services.connectivity.commands.schemas import CommandCreate, CommandOut
from services.connectivity.sessions import repository as session_repository
from shared.db import Connection
from shared.events.commands import CommandCompleted, CommandRequested
from shared.outbox import enqueue
from shared.problems import Conflict, Invalid, NotFound

log = structlog.get_logger(__name__)
SOURCE = "connectivity"

COMMANDS = {
    "1.6": frozenset(
        {
            "RemoteStartTransaction",
            "RemoteStopTransaction",
            "Reset",
            "UnlockConnector",
            "ChangeAvailability",
            "ChangeConfiguration",
            "GetConfiguration",
            "ClearCache",
            "DataTransfer",
            "GetDiagnostics",
            "UpdateFirmware",
            "GetLocalListVersion",
            "SendLocalList",
            "ReserveNow",
            "CancelReservation",
            "TriggerMessage",
            "SetChargingProfile",
            "ClearChargingProfile",
            "GetCompositeSchedule",
        }
    ),
    "2.0.1": frozenset(
        {
            "RequestStartTransaction",
            "RequestStopTransaction",
            "Reset",
            "ChangeAvailability",
            "UnlockConnector",
            "ReserveNow",
            "CancelReservation",
            "TriggerMessage",
            "GetVariables",
            "SetVariables",
            "GetBaseReport",
            "UpdateFirmware",
            "DataTransfer",
        }
    ),
}
PENDING = "Pending"


def to_out(row: asyncpg.Record) -> CommandOut:
    return CommandOut(
        id=str(row["id"]),
        charge_point_id=row["charge_point_id"],
        action=row["action"],
        payload=row["payload"],
        status=row["status"],
        response=row["result"],
        error=row["error"],
        requested_by=row["requested_by"],
        requested_at=row["requested_at"],
        completed_at=row["completed_at"],
    )


def check_payload(version: str, action: str, payload: dict[str, Any]) -> None:
    if action not in COMMANDS[version]:
        raise Invalid(f"{action} is not a command of OCPP {version}.")
    try:
        # The library's validator: commands are rare, and it handles 1.6's decimal fields.
        _validate_payload(Call("0", action, dict(payload)), version)
    except OCPPError as error:
        cause = (error.details or {}).get("cause", error.description)
        raise Invalid(f"The {action} payload is not valid: {cause}") from None


async def _publish_result(conn: Connection, row: asyncpg.Record) -> None:
    await enqueue(
        conn,
        CommandCompleted(
            command_id=str(row["id"]),
            charge_point_id=row["charge_point_id"],
            action=row["action"],
            outcome=row["status"],
            response=row["result"],
            error=row["error"],
            at=datetime.now(UTC),
        ),
        source=SOURCE,
        subject=str(row["id"]),
        key=row["charge_point_id"],
    )


async def settle(
    conn: Connection,
    command_id: UUID,
    status: str,
    result: dict[str, Any] | None,
    error: str | None,
) -> asyncpg.Record | None:
    row = await repository.complete(conn, command_id, status, result, error)
    if row is None:
        return None
    await _publish_result(conn, row)
    if status == "Answered" and result is not None:
        await _side_effects(conn, row, result)
    log.info(
        "connectivity.command.completed",
        command_id=str(command_id),
        status=status,
        action=row["action"],
        charge_point_id=row["charge_point_id"],
    )
    return row


async def _side_effects(conn: Connection, row: asyncpg.Record, result: dict[str, Any]) -> None:
    """What the platform learns from an accepted command (reservations for Authorize)."""
    payload, cp_id = row["payload"], row["charge_point_id"]
    if result.get("status") != "Accepted":
        return
    if row["action"] == "ReserveNow":
        token = payload.get("idTag") or (payload.get("idToken") or {}).get("idToken", "")
        connector = payload.get("connectorId", payload.get("evseId", 0)) or 0
        expires = datetime.fromisoformat(
            str(payload["expiryDate" if "expiryDate" in payload else "expiryDateTime"]).replace(
                "Z", "+00:00"
            )
        )
        await session_repository.upsert_reservation(
            conn,
            cp_id,
            int(payload["reservationId"] if "reservationId" in payload else payload["id"]),
            int(connector),
            token,
            expires,
        )
    elif row["action"] == "CancelReservation":
        await session_repository.end_reservation(
            conn, cp_id, int(payload["reservationId"]), "cancelled"
        )


async def request(
    conn: Connection,
    cp_id: str,
    data: CommandCreate,
    *,
    requested_by: str,
    default_timeout_s: float,
    stale_s: float,
) -> CommandOut:
    charge_point = await cp_repository.get(conn, cp_id)
    if charge_point is None:
        raise NotFound(f"No charge point {cp_id}.")
    if charge_point["approval"] == "retired":
        raise Conflict(f"Charge point {cp_id} is retired.")
    check_payload(charge_point["ocpp_version"], data.action, data.payload)
    command_id = uuid.uuid4()
    timeout = data.timeout_s or default_timeout_s
    if await cp_repository.holder(conn, cp_id, stale_s) is None:
        # No live replica holds the charger: answer "offline" now instead of timing out.
        row = await repository.insert(
            conn, command_id, cp_id, data.action, data.payload, timeout, requested_by
        )
        assert row is not None
        settled = await settle(conn, command_id, "Offline", None, "The charge point is offline.")
        assert settled is not None
        return to_out(settled)
    row = await repository.insert(
        conn, command_id, cp_id, data.action, data.payload, timeout, requested_by
    )
    assert row is not None
    await enqueue(
        conn,
        CommandRequested(
            command_id=str(command_id),
            charge_point_id=cp_id,
            action=data.action,
            payload=data.payload,
            timeout_s=timeout,
            requested_by=requested_by,
        ),
        source=SOURCE,
        subject=str(command_id),
        key=cp_id,
    )
    return to_out(row)


async def await_result(pool: asyncpg.Pool, command_id: str, timeout_s: float) -> CommandOut:
    """Poll the command until settled; runs after the request transaction committed."""
    key = UUID(command_id)
    deadline = asyncio.get_running_loop().time() + timeout_s + 2.0
    while True:
        async with pool.acquire() as conn:
            row = await repository.get(conn, key)
        assert row is not None
        if row["status"] != PENDING or asyncio.get_running_loop().time() > deadline:
            return to_out(row)
        await asyncio.sleep(0.05)


async def get(conn: Connection, cp_id: str, command_id: str) -> CommandOut:
    try:
        key = UUID(command_id)
    except ValueError:
        raise NotFound(f"No command {command_id}.") from None
    row = await repository.get(conn, key)
    if row is None or row["charge_point_id"] != cp_id:
        raise NotFound(f"No command {command_id}.")
    return to_out(row)


async def list_for(conn: Connection, cp_id: str, limit: int) -> list[CommandOut]:
    return [to_out(row) for row in await repository.list_for(conn, cp_id, limit)]


# -- the consuming side (every replica) -------------------------------------------------------


async def recorded(conn: Connection, command_id: UUID) -> bool:
    return await repository.get(conn, command_id) is not None


async def accept_requested(
    conn: Connection,
    event: CommandRequested,
    event_time: datetime,
    *,
    holds: bool,
    stale_s: float,
) -> bool:
    """Record a command seen on Kafka; true when this replica should execute it now.

    Commands may come from other services (no row yet). A new replica reads the topic from the
    start, so commands whose time is up are settled as timed out instead of executed late.
    """
    command_id = UUID(event.command_id)
    row = await repository.get(conn, command_id)
    if row is None:
        if await cp_repository.get(conn, event.charge_point_id) is None:
            return False  # not one of our chargers
        row = await repository.insert(
            conn,
            command_id,
            event.charge_point_id,
            event.action,
            event.payload,
            event.timeout_s,
            event.requested_by,
        )
        if row is None:
            row = await repository.get(conn, command_id)
        assert row is not None
    if row["status"] != PENDING:
        return False
    if event_time + timedelta(seconds=event.timeout_s) < datetime.now(UTC):
        await settle(conn, command_id, "Timeout", None, "The command expired before delivery.")
        return False
    if holds:
        return True
    if await cp_repository.holder(conn, event.charge_point_id, stale_s) is None:
        await settle(conn, command_id, "Offline", None, "The charge point is offline.")
    return False
