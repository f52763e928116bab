"""ReserveNow and CancelReservation as `command.requested` events (through the outbox), and what
their results tell about whether the charger itself holds a reservation.

Booking requests its commands as its service account (`requested_by`), which holds the
`commands:reserve` scope. 1.6 addresses the connector (`connectorId`), 2.0.1 the EVSE (`evseId`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
import structlog

from services.booking.network import repository as network
from services.booking.reservations import repository
from services.booking.reservations.events import SOURCE, publish
from shared.auth.scopes import RESERVE_SCOPE
from shared.db import Connection
from shared.events.booking import ReservationChargerHoldChanged
from shared.events.commands import CommandRequested
from shared.outbox import enqueue

log = structlog.get_logger(__name__)


def _rfc3339(row: asyncpg.Record) -> str:
    return str(row["ends_at"].isoformat().replace("+00:00", "Z"))


def reserve_now_payload(version: str, row: asyncpg.Record, id_tag: str) -> dict[str, Any]:
    if version == "2.0.1":
        return {
            "id": row["ocpp_reservation_id"],
            "expiryDateTime": _rfc3339(row),
            "idToken": {"idToken": id_tag, "type": "ISO14443"},
            "evseId": row["connector_id"],
        }
    return {
        "connectorId": row["connector_id"],
        "expiryDate": _rfc3339(row),
        "idTag": id_tag,
        "reservationId": row["ocpp_reservation_id"],
    }


async def _request(
    conn: Connection,
    cp_id: str,
    action: str,
    payload: dict[str, Any],
    *,
    requested_by: str,
    timeout_s: float,
) -> UUID:
    command_id = uuid.uuid4()
    await enqueue(
        conn,
        CommandRequested(
            command_id=str(command_id),
            charge_point_id=cp_id,
            action=action,
            payload=payload,
            timeout_s=timeout_s,
            requested_by=requested_by,
            requested_scopes=[RESERVE_SCOPE],
        ),
        source=SOURCE,
        subject=str(command_id),
        key=cp_id,
    )
    return command_id


async def send_reserve_now(
    conn: Connection, row: asyncpg.Record, *, requested_by: str, timeout_s: float
) -> asyncpg.Record:
    """ReserveNow with the driver's chosen token, or their accepted one; none: platform only."""
    charge_point = await network.charge_point(conn, row["charge_point_id"])
    id_tag = row["id_tag"]
    if id_tag is None and row["user_id"] is not None:
        id_tag = await network.accepted_token_of(conn, row["user_id"])
    if charge_point is None or id_tag is None:
        updated = await repository.set_charger_hold(
            conn, row["id"], "no_token", "The driver has no accepted id-token to reserve with."
        )
    else:
        command_id = await _request(
            conn,
            row["charge_point_id"],
            "ReserveNow",
            reserve_now_payload(charge_point["ocpp_version"], row, id_tag),
            requested_by=requested_by,
            timeout_s=timeout_s,
        )
        updated = await repository.set_charger_hold(
            conn, row["id"], "pending", None, reserve_command_id=command_id
        )
    await publish(conn, ReservationChargerHoldChanged, updated, detail=updated["charger_detail"])
    return updated


async def send_cancel(
    conn: Connection, row: asyncpg.Record, *, requested_by: str, timeout_s: float
) -> asyncpg.Record:
    """CancelReservation when the charger holds (or may hold) the reservation."""
    if row["charger_hold"] not in ("pending", "held"):
        return row
    command_id = await _request(
        conn,
        row["charge_point_id"],
        "CancelReservation",
        {"reservationId": row["ocpp_reservation_id"]},
        requested_by=requested_by,
        timeout_s=timeout_s,
    )
    return await repository.set_charger_hold(
        conn, row["id"], row["charger_hold"], row["charger_detail"], cancel_command_id=command_id
    )


@dataclass(frozen=True)
class CommandAnswer:
    """What booking reads of a `command.completed` event."""

    command_id: str
    action: str
    outcome: str
    response: dict[str, Any] | None
    error: str | None


def _hold_after(kind: str, result: CommandAnswer) -> tuple[str, str | None]:
    answer = (result.response or {}).get("status")
    if result.outcome == "Answered":
        if answer == "Accepted":
            return ("held" if kind == "reserve" else "released"), None
        return ("rejected" if kind == "reserve" else "held"), f"The charger answered {answer}."
    if result.outcome == "Offline":
        return "offline", result.error
    return "failed", f"{result.outcome}: {result.error}" if result.error else result.outcome


async def apply_result(conn: Connection, result: CommandAnswer) -> None:
    if result.action not in ("ReserveNow", "CancelReservation"):
        return
    try:
        command_id = UUID(result.command_id)
    except ValueError:
        return
    row, kind = await repository.by_command(conn, command_id)
    if row is None:
        return  # not one of booking's commands
    hold: str
    detail: str | None
    if kind == "cancel" and result.outcome != "Answered":
        # The charger may still hold it until its expiry; nothing else changes.
        hold, detail = row["charger_hold"], f"CancelReservation: {result.outcome}"
    else:
        hold, detail = _hold_after(kind, result)
    updated = await repository.set_charger_hold(conn, row["id"], hold, detail)
    await publish(conn, ReservationChargerHoldChanged, updated, detail=detail)
    log.info(
        "booking.charger_hold.changed",
        reservation_id=str(row["id"]),
        action=result.action,
        outcome=result.outcome,
        hold=hold,
    )
