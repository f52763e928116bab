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

from services.connectivity import access
from services.connectivity.chargepoints import repository as cp_repository
from services.connectivity.commands import repository
from services.connectivity.commands.schemas import CommandCreate, CommandOut
from services.connectivity.commands.secrets import new_charger_password, redact, redacted
from services.connectivity.credentials import hash_password
from services.connectivity.sessions import repository as session_repository
from shared.auth.jwt import Principal
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
    # The charger's answer may hold a secret (a GetConfiguration AuthorizationKey): stored,
    # published and answered redacted.
    row = await repository.complete(conn, command_id, status, redacted(result), error)
    if row is None:
        return None
    if status == "Answered" and result is not None:
        await _adopt_new_password(conn, row, result)
    await repository.forget_secret(conn, command_id)
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


async def _adopt_new_password(
    conn: Connection, row: asyncpg.Record, result: dict[str, Any]
) -> None:
    """A charger that accepted a new AuthorizationKey / BasicAuthPassword will present it at its
    next handshake: store its hash, or the charger would lock itself out."""
    if row["action"] not in ("ChangeConfiguration", "SetVariables"):
        return
    clear = await repository.clear_payload(conn, row["id"])
    password = clear and new_charger_password(row["action"], clear, result)
    if password:
        await cp_repository.update(
            conn, row["charge_point_id"], {"password_hash": hash_password(password)}
        )
        log.info(
            "connectivity.charge_point.password_adopted", charge_point_id=row["charge_point_id"]
        )


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
    requester: Principal,
    default_timeout_s: float,
    stale_s: float,
) -> CommandOut:
    access.check_command(requester, data.action)
    charge_point = await cp_repository.get(conn, cp_id)
    if charge_point is None:
        raise NotFound(f"No charge point {cp_id}.")
    if charge_point["approval"] == "retired":
        raise Conflict(f"Charge point {cp_id} is retired.")
    check_payload(charge_point["ocpp_version"], data.action, data.payload)
    if (
        data.action in access.STOP_COMMANDS
        and access.stops_only_live_sessions(requester)
        and not await _stops_a_live_session(conn, cp_id, data.payload)
    ):
        raise Conflict(f"No active session with this transaction on {cp_id}.")
    command_id = uuid.uuid4()
    timeout = data.timeout_s or default_timeout_s
    stored, has_secret = redact(data.payload)
    assert stored is not None
    row = await repository.insert(
        conn, command_id, cp_id, data.action, stored, timeout, requester.subject
    )
    assert row is not None
    if await cp_repository.holder(conn, cp_id, stale_s) is None:
        # No live replica holds the charger: answer "offline" now instead of timing out.
        settled = await settle(conn, command_id, "Offline", None, "The charge point is offline.")
        assert settled is not None
        return to_out(settled)
    if has_secret:
        await repository.withhold_secret(conn, command_id, data.payload)
    await enqueue(
        conn,
        CommandRequested(
            command_id=str(command_id),
            charge_point_id=cp_id,
            action=data.action,
            payload=stored,
            timeout_s=timeout,
            requested_by=requester.subject,
            requested_scopes=sorted(requester.scopes) if requester.is_service else [],
            secrets_withheld=has_secret,
        ),
        source=SOURCE,
        subject=str(command_id),
        key=cp_id,
    )
    return to_out(row)


async def _stops_a_live_session(conn: Connection, cp_id: str, payload: dict[str, Any]) -> bool:
    """The stop command names a transaction that is an active session on this charger."""
    transaction_id = str(payload.get("transactionId"))
    session = await session_repository.session_by_transaction(conn, cp_id, transaction_id)
    return session is not None and session["status"] == "active"


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


def _own_only(reader: Principal) -> str | None:
    """A service account reads only the commands it requested; staff read every one."""
    return None if access.sees_all_commands(reader) else reader.subject


async def get(conn: Connection, cp_id: str, command_id: str, reader: Principal) -> CommandOut:
    try:
        key = UUID(command_id)
    except ValueError:
        raise NotFound(f"No command {command_id}.") from None
    row = await repository.get(conn, key)
    own = _own_only(reader)
    if row is None or row["charge_point_id"] != cp_id or own not in (None, row["requested_by"]):
        raise NotFound(f"No command {command_id}.")
    return to_out(row)


async def list_for(conn: Connection, cp_id: str, limit: int, reader: Principal) -> list[CommandOut]:
    rows = await repository.list_for(conn, cp_id, limit, _own_only(reader))
    return [to_out(row) for row in rows]


# -- the consuming side (every replica) -------------------------------------------------------


async def _refuse(conn: Connection, command_id: UUID, event: CommandRequested, reason: str) -> None:
    """Record and answer a command whose requester may not send it; never executed."""
    row = await repository.insert(
        conn,
        command_id,
        event.charge_point_id,
        event.action,
        redacted(event.payload) or {},
        event.timeout_s,
        event.requested_by,
        status="Refused",
        error=reason,
    )
    if row is None:
        return  # another replica recorded it first
    await _publish_result(conn, row)
    log.warning(
        "connectivity.command.refused",
        command_id=str(command_id),
        action=event.action,
        requested_by=event.requested_by,
        scopes=event.requested_scopes,
        charge_point_id=event.charge_point_id,
        reason=reason,
    )


async def recorded(conn: Connection, command_id: UUID) -> bool:
    return await repository.get(conn, command_id) is not None


async def accept_requested(
    conn: Connection,
    event: CommandRequested,
    event_time: datetime,
    *,
    holds: bool,
    stale_s: float,
) -> dict[str, Any] | None:
    """Record a command seen on Kafka; the payload to send when this replica should execute it
    now (the clear one, if the event's had a secret withheld), else None.

    Commands may come from other services (no row yet). A new replica reads the topic from the
    start, so commands whose time is up are settled as timed out instead of executed late.
    """
    command_id = UUID(event.command_id)
    row = await repository.get(conn, command_id)
    if row is None:
        # Not requested over our REST API (which checked the caller and wrote the row): another
        # service published it, and its requester's scopes must allow the action.
        if await cp_repository.get(conn, event.charge_point_id) is None:
            return None  # not one of our chargers
        if not access.scopes_permit(event.requested_scopes, event.action):
            reason = f"The requester's scopes do not allow {event.action}."
            await _refuse(conn, command_id, event, reason)
            return None
        if event.action in access.STOP_COMMANDS and not await _stops_a_live_session(
            conn, event.charge_point_id, event.payload
        ):
            reason = "No active session with this transaction on the charge point."
            await _refuse(conn, command_id, event, reason)
            return None
        row = await repository.insert(
            conn,
            command_id,
            event.charge_point_id,
            event.action,
            redacted(event.payload) or {},
            event.timeout_s,
            event.requested_by,
        )
        if row is None:
            row = await repository.get(conn, command_id)
        assert row is not None
    if row["status"] != PENDING:
        return None
    if event_time + timedelta(seconds=event.timeout_s) < datetime.now(UTC):
        await settle(conn, command_id, "Timeout", None, "The command expired before delivery.")
        return None
    if holds:
        if not event.secrets_withheld:
            return event.payload
        clear = await repository.clear_payload(conn, command_id)
        if clear is None:
            await settle(conn, command_id, "Failed", None, "The command's secret is gone.")
        return clear
    if await cp_repository.holder(conn, event.charge_point_id, stale_s) is None:
        await settle(conn, command_id, "Offline", None, "The charge point is offline.")
    return None
