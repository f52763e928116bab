"""Rules of work orders: created by operators, from failed inspection items or from alerts;
assigned to technicians; while one requires it, its connector (or charger) is Inoperative,
and Operative again once no open order needs it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import structlog

from services.operations.alerts import service as alerts
from services.operations.alerts.schemas import AlertOut
from services.operations.settings import Settings
from services.operations.stations import repository as stations
from services.operations.workorders import availability, repository
from services.operations.workorders.schemas import (
    CLOSED,
    NoteOut,
    WorkOrderCreate,
    WorkOrderOut,
    WorkOrderUpdate,
)
from shared.db import Connection
from shared.events.commands import CommandCompleted
from shared.problems import Conflict, Invalid, NotFound

log = structlog.get_logger(__name__)
_PRIORITY = {"high": "urgent", "medium": "high", "low": "normal"}
_HOLDING = ("inoperative_requested", "inoperative")


def _parse_id(work_order_id: str) -> UUID:
    try:
        return UUID(work_order_id)
    except ValueError:
        raise NotFound(f"No work order {work_order_id}.") from None


def to_out(row: asyncpg.Record, notes: list[asyncpg.Record] | None = None) -> WorkOrderOut:
    return WorkOrderOut(
        id=str(row["id"]),
        title=row["title"],
        description=row["description"],
        charge_point_id=row["charge_point_id"],
        connector_id=row["connector_id"],
        site=row["site"],
        priority=row["priority"],
        status=row["status"],
        assignee=row["assignee"],
        source=row["source"],
        alert_id=str(row["alert_id"]) if row["alert_id"] else None,
        inspection_id=str(row["inspection_id"]) if row["inspection_id"] else None,
        inspection_item=row["inspection_item"],
        requires_inoperative=row["requires_inoperative"],
        window_starts_at=row["window_starts_at"],
        window_ends_at=row["window_ends_at"],
        availability=row["availability"],
        availability_detail=row["availability_detail"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        closed_at=row["closed_at"],
        notes=[NoteOut(author=n["author"], body=n["body"], at=n["at"]) for n in notes or []],
    )


async def _check_assignee(conn: Connection, assignee: str | None) -> None:
    if assignee is not None and not await repository.is_technician(conn, assignee):
        raise Invalid(f"{assignee} is not a technician (a user with the operator role).")


# -- availability -----------------------------------------------------------------------------


async def _take_out_of_service(
    conn: Connection, order: asyncpg.Record, settings: Settings
) -> asyncpg.Record:
    """Publish the window; set Inoperative now, or at the window's start (periodic job)."""
    await availability.window_scheduled(conn, order)
    start = order["window_starts_at"]
    if start is not None and start > datetime.now(UTC):
        return await repository.update(conn, order["id"], {"availability": "scheduled"})
    return await _send(conn, order, operative=False, settings=settings)


async def _send(
    conn: Connection, order: asyncpg.Record, *, operative: bool, settings: Settings
) -> asyncpg.Record:
    command_id = await availability.send(conn, order, operative=operative, settings=settings)
    state = "operative_requested" if operative else "inoperative_requested"
    return await repository.update(
        conn,
        order["id"],
        {
            "availability": state,
            "availability_command": command_id,
            "availability_detail": None,
            "availability_requested_at": datetime.now(UTC),
        },
    )


async def _return_to_service(
    conn: Connection, order: asyncpg.Record, settings: Settings
) -> asyncpg.Record:
    """The order no longer needs the charger: Operative, unless another open order holds it."""
    if order["availability"] in ("untouched", "operative", "operative_requested", "released"):
        return order
    await availability.window_ended(conn, order)
    if order["availability"] == "scheduled":
        return await repository.update(conn, order["id"], {"availability": "released"})
    others = await repository.others_holding(conn, order["id"], order["charge_point_id"])
    connector = order["connector_id"]
    if any(o["connector_id"] is None or o["connector_id"] == connector for o in others):
        return await repository.update(conn, order["id"], {"availability": "released"})
    row = await _send(conn, order, operative=True, settings=settings)
    if connector is None:
        # The whole charger is Operative again, its connectors with it (OCPP): the connectors
        # other orders still hold go back out of use.
        for other in others:
            await _send(conn, other, operative=False, settings=settings)
    return row


async def start_due_windows(conn: Connection, settings: Settings, now: datetime) -> int:
    """Orders whose maintenance window has begun: Inoperative now (periodic job)."""
    rows = await repository.claim_window_starts(conn, now, 100)
    for order in rows:
        await _send(conn, order, operative=False, settings=settings)
    return len(rows)


async def resend_unanswered(conn: Connection, settings: Settings, now: datetime) -> int:
    """Changes without an answer long after their timeout are sent again (periodic job)."""
    cutoff = now - timedelta(seconds=settings.availability_resend_after_s)
    rows = await repository.claim_unanswered(conn, cutoff, 100)
    for order in rows:
        operative = order["availability"] == "operative_requested"
        await _send(conn, order, operative=operative, settings=settings)
    return len(rows)


async def command_completed(conn: Connection, event: CommandCompleted) -> None:
    """Record the charger's answer to one of our ChangeAvailability commands."""
    if event.action != availability.ACTION:
        return
    try:
        command_id = UUID(event.command_id)
    except ValueError:
        return
    order = await repository.by_command(conn, command_id)
    if order is None:
        return
    status = (event.response or {}).get("status")
    changes: dict[str, Any] = {"availability_detail": f"{event.outcome}: {status or event.error}"}
    if event.outcome == "Answered" and status in ("Accepted", "Scheduled"):
        confirmed = {"inoperative_requested": "inoperative", "operative_requested": "operative"}
        if order["availability"] in confirmed:
            changes["availability"] = confirmed[order["availability"]]
    await repository.update(conn, order["id"], changes)
    log.info(
        "operations.availability.answered",
        work_order_id=str(order["id"]),
        outcome=event.outcome,
        status=status,
    )


async def charger_reconnected(conn: Connection, charge_point_id: str, settings: Settings) -> None:
    """Changes the charger never confirmed (it was offline, or timed out) are sent again."""
    for order in await repository.pending_for(conn, charge_point_id):
        operative = order["availability"] == "operative_requested"
        await _send(conn, order, operative=operative, settings=settings)


# -- creating ---------------------------------------------------------------------------------


async def create(
    conn: Connection, data: WorkOrderCreate, created_by: str, settings: Settings
) -> WorkOrderOut:
    station = await stations.get(conn, data.charge_point_id)
    if station is None:
        raise Invalid(f"No station {data.charge_point_id}.")
    if data.connector_id is not None and data.connector_id > station.connectors:
        raise Invalid(f"{data.charge_point_id} has {station.connectors} connector(s).")
    await _check_assignee(conn, data.assignee)
    alert_id = None
    if data.alert_id is not None:
        try:
            alert_id = UUID((await alerts.get(conn, data.alert_id)).id)
        except NotFound:
            raise Invalid(f"No alert {data.alert_id}.") from None
    values = data.model_dump(exclude={"alert_id"})
    values.update(
        site=station.site,
        status="assigned" if data.assignee else "open",
        source="operator",
        alert_id=alert_id,
        created_by=created_by,
    )
    row = await repository.insert(conn, uuid.uuid4(), values)
    assert row is not None  # operator orders have no uniqueness to break
    if row["requires_inoperative"]:
        row = await _take_out_of_service(conn, row, settings)
    return to_out(row)


async def create_from_alert(conn: Connection, alert: AlertOut, settings: Settings) -> str | None:
    """The work order an alert of a configured kind opens (one per alert)."""
    if alert.charge_point_id is None or alert.kind not in settings.work_order_alert_kinds:
        return None
    row = await repository.insert(
        conn,
        uuid.uuid4(),
        {
            "title": alert.title,
            "description": f"Opened by alert {alert.id} ({alert.kind}).",
            "charge_point_id": alert.charge_point_id,
            "connector_id": alert.connector_id or None,
            "site": alert.site,
            "priority": _PRIORITY[alert.severity],
            "source": "alert",
            "alert_id": UUID(alert.id),
            "created_by": settings.service_account,
        },
    )
    return str(row["id"]) if row is not None else None


async def create_from_inspection(
    conn: Connection,
    *,
    inspection_id: UUID,
    item_key: str,
    label: str,
    note: str | None,
    charge_point_id: str,
    site: str | None,
    inoperative: bool,
    created_by: str,
    settings: Settings,
) -> str:
    row = await repository.insert(
        conn,
        uuid.uuid4(),
        {
            "title": f"Failed inspection item: {label}",
            "description": note,
            "charge_point_id": charge_point_id,
            "site": site,
            "priority": "urgent" if inoperative else "high",
            "source": "inspection",
            "inspection_id": inspection_id,
            "inspection_item": item_key,
            "requires_inoperative": inoperative,
            "created_by": created_by,
        },
    )
    assert row is not None  # an inspection is completed once
    if inoperative:
        row = await _take_out_of_service(conn, row, settings)
    return str(row["id"])


# -- reading and changing ---------------------------------------------------------------------


async def get(conn: Connection, work_order_id: str) -> WorkOrderOut:
    key = _parse_id(work_order_id)
    row = await repository.get(conn, key)
    if row is None:
        raise NotFound(f"No work order {work_order_id}.")
    return to_out(row, await repository.notes(conn, key))


async def search(
    conn: Connection,
    *,
    statuses: list[str] | None,
    charge_point_id: str | None,
    assignee: str | None,
    limit: int,
    offset: int,
) -> list[WorkOrderOut]:
    rows = await repository.search(
        conn,
        statuses=statuses,
        charge_point_id=charge_point_id,
        assignee=assignee,
        limit=limit,
        offset=offset,
    )
    return [to_out(row) for row in rows]


async def for_inspection(conn: Connection, inspection_id: UUID) -> dict[str, str]:
    return await repository.for_inspection(conn, inspection_id)


async def update(
    conn: Connection, work_order_id: str, data: WorkOrderUpdate, by: str, settings: Settings
) -> WorkOrderOut:
    key = _parse_id(work_order_id)
    order = await repository.get(conn, key, for_update=True)
    if order is None:
        raise NotFound(f"No work order {work_order_id}.")
    if order["status"] in CLOSED:
        raise Conflict(f"Work order {work_order_id} is {order['status']}.")
    changes = {
        name: value
        for name, value in data.model_dump(exclude_unset=True, exclude={"note"}).items()
        # Required fields given as null are left as they are; assignee null unassigns.
        if value is not None or name in ("assignee", "description", "window_ends_at")
    }
    if "assignee" in changes:
        await _check_assignee(conn, changes["assignee"])
    assignee = changes.get("assignee", order["assignee"])
    status = changes.get("status", order["status"])
    if "assignee" in changes and "status" not in changes:
        # Assigning an open order assigns it; unassigning an assigned one reopens it.
        if status == "open" and assignee is not None:
            changes["status"] = status = "assigned"
        elif status == "assigned" and assignee is None:
            changes["status"] = status = "open"
    if status == "assigned" and assignee is None:
        raise Invalid("An assigned work order needs an assignee.")
    if status in CLOSED:
        changes["closed_at"] = datetime.now(UTC)
    row = await repository.update(conn, key, changes)
    needs = row["requires_inoperative"] and status not in CLOSED
    held = row["availability"] in (*_HOLDING, "scheduled")
    if needs and not held:
        row = await _take_out_of_service(conn, row, settings)
    elif held and not needs:
        row = await _return_to_service(conn, row, settings)
    elif held and "window_ends_at" in changes:
        await availability.window_scheduled(conn, row)
    if data.note:
        await repository.add_note(conn, key, by, data.note)
    log.info("operations.work_order.updated", work_order_id=work_order_id, status=status)
    return to_out(row, await repository.notes(conn, key))


async def add_note(conn: Connection, work_order_id: str, by: str, body: str) -> WorkOrderOut:
    key = _parse_id(work_order_id)
    if await repository.get(conn, key) is None:
        raise NotFound(f"No work order {work_order_id}.")
    await repository.add_note(conn, key, by, body)
    return await get(conn, work_order_id)


async def technician_roles(conn: Connection, user_id: str, roles: list[str] | None) -> None:
    """identity.users.v1: operators and admins may be assigned work; None: the user is gone."""
    is_technician = roles is not None and bool({"operator", "admin"} & set(roles))
    await repository.set_technician(conn, user_id, is_technician)


async def technician_disabled(conn: Connection, user_id: str, disabled: bool) -> None:
    await repository.set_technician_disabled(conn, user_id, disabled)
