"""Rules of inspections: scheduled from plans (or ad hoc), completed item by item; completion
records who and when, updates the equipment's test dates, opens work orders for failed items
and resolves the overdue alert. Overdue inspections raise alerts (periodic job)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from uuid import UUID

import asyncpg
import structlog

from services.operations.alerts import rules
from services.operations.alerts import service as alerts
from services.operations.equipment import repository as equipment
from services.operations.inspections import repository
from services.operations.inspections.schemas import (
    InspectionCompleted,
    InspectionCompletion,
    InspectionItemOut,
    InspectionOut,
)
from services.operations.maintenance.schemas import TemplateOut
from services.operations.settings import Settings
from services.operations.workorders import service as work_orders
from shared.db import Connection
from shared.problems import Conflict, Invalid, NotFound

log = structlog.get_logger(__name__)


def _parse_id(inspection_id: str) -> UUID:
    try:
        return UUID(inspection_id)
    except ValueError:
        raise NotFound(f"No inspection {inspection_id}.") from None


async def _out(conn: Connection, row: asyncpg.Record) -> InspectionOut:
    linked = await work_orders.for_inspection(conn, row["id"])
    items = [
        InspectionItemOut(
            key=item["key"],
            label=item["label"],
            equipment_kind=item["equipment_kind"],
            inoperative_on_fail=item["inoperative_on_fail"],
            result=item["result"],
            note=item["note"],
            photos=list(item["photos"]),
            work_order_id=linked.get(item["key"]),
        )
        for item in await repository.items(conn, row["id"])
    ]
    return InspectionOut(
        id=str(row["id"]),
        plan_id=str(row["plan_id"]) if row["plan_id"] else None,
        template_id=str(row["template_id"]),
        template_name=row["template_name"],
        charge_point_id=row["charge_point_id"],
        site=row["site"],
        due_at=row["due_at"],
        overdue_at=row["overdue_at"],
        overdue=row["status"] == "due" and row["overdue_at"] <= datetime.now(UTC),
        status=row["status"],
        completed_by=row["completed_by"],
        completed_at=row["completed_at"],
        note=row["note"],
        items=items,
    )


async def schedule(
    conn: Connection,
    *,
    template: TemplateOut,
    charge_point_id: str,
    site: str | None,
    due_at: datetime,
    overdue_at: datetime,
    plan_id: UUID | None,
) -> str | None:
    """Create an inspection with the template's checklist; None if the plan already has it."""
    inspection_id = uuid.uuid4()
    created = await repository.insert(
        conn,
        inspection_id,
        {
            "plan_id": plan_id,
            "template_id": UUID(template.id),
            "template_name": template.name,
            "charge_point_id": charge_point_id,
            "site": site,
            "due_at": due_at,
            "overdue_at": overdue_at,
        },
        [item.model_dump() for item in template.items],
    )
    return str(inspection_id) if created else None


async def get(conn: Connection, inspection_id: str) -> InspectionOut:
    row = await repository.get(conn, _parse_id(inspection_id))
    if row is None:
        raise NotFound(f"No inspection {inspection_id}.")
    return await _out(conn, row)


async def search(
    conn: Connection,
    *,
    status: str | None,
    charge_point_id: str | None,
    overdue: bool | None,
    limit: int,
    offset: int,
) -> list[InspectionOut]:
    rows = await repository.search(
        conn,
        status=status,
        charge_point_id=charge_point_id,
        overdue=overdue,
        limit=limit,
        offset=offset,
    )
    return [await _out(conn, row) for row in rows]


async def complete(
    conn: Connection, inspection_id: str, data: InspectionCompletion, by: str, settings: Settings
) -> InspectionCompleted:
    key = _parse_id(inspection_id)
    row = await repository.get(conn, key, for_update=True)
    if row is None:
        raise NotFound(f"No inspection {inspection_id}.")
    if row["status"] != "due":
        raise Conflict(f"Inspection {inspection_id} is {row['status']}.")
    checklist = {item["key"]: item for item in await repository.items(conn, key)}
    answers = {answer.key: answer for answer in data.items}
    unknown = sorted(set(answers) - set(checklist))
    if unknown:
        raise Invalid("Not items of this checklist: " + ", ".join(unknown) + ".")
    missing = [k for k in checklist if k not in answers and checklist[k]["result"] is None]
    if missing:
        raise Invalid("Every item needs a result; missing: " + ", ".join(missing) + ".")
    now = datetime.now(UTC)
    for answer in answers.values():
        await repository.record_item(
            conn, key, answer.key, answer.result, answer.note, answer.photos
        )
    completed = await repository.complete(conn, key, by, data.note, now)
    assert completed is not None  # locked above
    cp_id = row["charge_point_id"]
    # Equipment of a tested kind: working if every item of that kind passed, else faulty.
    tested: dict[str, str] = {}
    for item_key, item in checklist.items():
        result = answers[item_key].result if item_key in answers else item["result"]
        if item["equipment_kind"] and result in ("pass", "fail"):
            failed = result == "fail" or tested.get(item["equipment_kind"]) == "faulty"
            tested[item["equipment_kind"]] = "faulty" if failed else "working"
    await equipment.record_tests(conn, cp_id, tested, now)
    opened = []
    for item_key, answer in answers.items():
        if answer.result == "fail":
            item = checklist[item_key]
            opened.append(
                await work_orders.create_from_inspection(
                    conn,
                    inspection_id=key,
                    item_key=item_key,
                    label=item["label"],
                    note=answer.note,
                    charge_point_id=cp_id,
                    site=row["site"],
                    inoperative=item["inoperative_on_fail"],
                    created_by=by,
                    settings=settings,
                )
            )
    await alerts.resolve_now(conn, f"inspection_overdue:{inspection_id}")
    log.info(
        "operations.inspection.completed",
        inspection_id=inspection_id,
        charge_point_id=cp_id,
        failed_items=len(opened),
    )
    return InspectionCompleted(inspection=await _out(conn, completed), work_order_ids=opened)


async def cancel(conn: Connection, inspection_id: str, by: str) -> InspectionOut:
    current = await get(conn, inspection_id)
    row = await repository.cancel(conn, UUID(current.id), by)
    if row is None:
        raise Conflict(f"Inspection {inspection_id} is {current.status}.")
    await alerts.resolve_now(conn, f"inspection_overdue:{inspection_id}")
    return await _out(conn, row)


async def raise_overdue(conn: Connection, now: datetime, batch: int = 100) -> int:
    """Overdue inspections raise one alert each (periodic job; replicas share the rows)."""
    rows = await repository.claim_overdue(conn, now, batch)
    for row in rows:
        condition = rules.inspection_overdue(
            row["charge_point_id"], str(row["id"]), row["template_name"], row["due_at"].isoformat()
        )
        await alerts.raise_condition(conn, condition, site=row["site"], at=now)
    return len(rows)
