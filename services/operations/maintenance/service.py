"""Rules of checklist templates and maintenance plans, and the generation of due inspections."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
import structlog

from services.operations.inspections import service as inspections
from services.operations.inspections.schemas import InspectionCreate, InspectionOut
from services.operations.maintenance import repository
from services.operations.maintenance.schemas import (
    ChecklistItem,
    PlanCreate,
    PlanOut,
    PlanUpdate,
    TemplateCreate,
    TemplateOut,
    TemplateUpdate,
)
from services.operations.stations import repository as stations
from shared.db import Connection
from shared.problems import Conflict, Invalid, NotFound

log = structlog.get_logger(__name__)


def _uuid(value: str, what: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise NotFound(f"No {what} {value}.") from None


def template_out(row: asyncpg.Record) -> TemplateOut:
    return TemplateOut(
        id=str(row["id"]),
        key=row["key"],
        name=row["name"],
        description=row["description"],
        default_interval_days=row["default_interval_days"],
        items=[ChecklistItem.model_validate(item) for item in row["items"]],
        builtin=row["builtin"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        retired_at=row["retired_at"],
    )


def plan_out(row: asyncpg.Record) -> PlanOut:
    return PlanOut(
        id=str(row["id"]),
        name=row["name"],
        template_id=str(row["template_id"]),
        charge_point_id=row["charge_point_id"],
        site=row["site"],
        interval_days=row["interval_days"],
        grace_days=row["grace_days"],
        next_due_at=row["next_due_at"],
        active=row["active"],
        created_by=row["created_by"],
        created_at=row["created_at"],
    )


# -- templates ----------------------------------------------------------------------------------


async def list_templates(conn: Connection, retired: bool | None = None) -> list[TemplateOut]:
    return [template_out(row) for row in await repository.list_templates(conn, retired)]


async def get_template(conn: Connection, template_id: str) -> TemplateOut:
    row = await repository.get_template(conn, _uuid(template_id, "checklist template"))
    if row is None:
        raise NotFound(f"No checklist template {template_id}.")
    return template_out(row)


async def create_template(conn: Connection, data: TemplateCreate) -> TemplateOut:
    values = data.model_dump()
    row = await repository.insert_template(conn, uuid.uuid4(), values)
    if row is None:
        raise Conflict(f"A checklist template with the key {data.key} exists.")
    return template_out(row)


async def update_template(conn: Connection, template_id: str, data: TemplateUpdate) -> TemplateOut:
    """Change an operator's template, or retire / restore any template.

    Inspections copy the checklist when they are created, so a change reaches only the
    inspections created after it; completed ones keep what was checked.
    """
    row = await repository.lock_template(
        conn, _uuid(template_id, "checklist template"), exclusive=True
    )
    if row is None:
        raise NotFound(f"No checklist template {template_id}.")
    changes = data.model_dump(exclude_unset=True, exclude={"retired"})
    for required in ("name", "default_interval_days", "items"):
        if changes.get(required, "") is None:
            del changes[required]  # required fields: null leaves them as they are
    if changes and row["builtin"]:
        raise Conflict(
            f"{row['name']} is shipped with Ladda and does not change; copy it into a new "
            "template to adapt it."
        )
    if data.retired is True and row["retired_at"] is None:
        plans = await repository.count_active_plans(conn, row["id"])
        if plans:
            raise Conflict(
                f"{plans} active maintenance plan(s) use {row['name']}; deactivate them first.",
                active_plans=plans,
            )
        changes["retired_at"] = datetime.now(UTC)
    elif data.retired is False:
        changes["retired_at"] = None
    if not changes:
        return template_out(row)
    updated = await repository.update_template(conn, row["id"], changes)
    assert updated is not None  # locked above
    return template_out(updated)


async def _template_in_use(conn: Connection, template_id: str) -> TemplateOut:
    """The template a new plan or inspection builds on, share-locked until the transaction
    ends: it cannot be retired under it. Unknown or retired: the request is not valid (422)."""
    try:
        row = await repository.lock_template(conn, UUID(template_id), exclusive=False)
    except ValueError:
        row = None
    if row is None:
        raise Invalid(f"No checklist template {template_id}.")
    if row["retired_at"] is not None:
        raise Invalid(f"The checklist template {row['name']} is retired.")
    return template_out(row)


# -- plans --------------------------------------------------------------------------------------


async def create_plan(conn: Connection, data: PlanCreate, created_by: str) -> PlanOut:
    template = await _template_in_use(conn, data.template_id)
    if data.charge_point_id is not None and await stations.get(conn, data.charge_point_id) is None:
        raise Invalid(f"No station {data.charge_point_id}.")
    interval = data.interval_days or template.default_interval_days
    first_due = data.first_due_at or datetime.now(UTC) + timedelta(days=interval)
    row = await repository.insert_plan(
        conn,
        uuid.uuid4(),
        {
            "name": data.name,
            "template_id": UUID(template.id),
            "charge_point_id": data.charge_point_id,
            "site": data.site,
            "interval_days": interval,
            "grace_days": data.grace_days,
            "next_due_at": first_due,
            "created_by": created_by,
        },
    )
    return plan_out(row)


async def get_plan(conn: Connection, plan_id: str) -> PlanOut:
    row = await repository.get_plan(conn, _uuid(plan_id, "maintenance plan"))
    if row is None:
        raise NotFound(f"No maintenance plan {plan_id}.")
    return plan_out(row)


async def update_plan(conn: Connection, plan_id: str, data: PlanUpdate) -> PlanOut:
    if data.active:
        plan = await get_plan(conn, plan_id)
        template = await repository.lock_template(conn, UUID(plan.template_id), exclusive=False)
        if template is not None and template["retired_at"] is not None:
            raise Conflict(f"The checklist template {template['name']} is retired.")
    row = await repository.update_plan(
        conn, _uuid(plan_id, "maintenance plan"), data.model_dump(exclude_unset=True)
    )
    if row is None:
        raise NotFound(f"No maintenance plan {plan_id}.")
    return plan_out(row)


async def list_plans(
    conn: Connection, charge_point_id: str | None, site: str | None, active: bool | None
) -> list[PlanOut]:
    return [plan_out(r) for r in await repository.list_plans(conn, charge_point_id, site, active)]


async def create_inspection(conn: Connection, data: InspectionCreate) -> InspectionOut:
    """An inspection outside any plan, due at once unless a date is given."""
    template = await _template_in_use(conn, data.template_id)
    station = await stations.get(conn, data.charge_point_id)
    if station is None:
        raise Invalid(f"No station {data.charge_point_id}.")
    due_at = data.due_at or datetime.now(UTC)
    inspection_id = await inspections.schedule(
        conn,
        template=template,
        charge_point_id=station.charge_point_id,
        site=station.site,
        due_at=due_at,
        overdue_at=due_at,
        plan_id=None,
    )
    assert inspection_id is not None  # no plan, no uniqueness to break
    return await inspections.get(conn, inspection_id)


def next_due(due_at: datetime, interval_days: int, now: datetime) -> datetime:
    """The next due date after this one; periods missed entirely are skipped, not generated."""
    interval = timedelta(days=interval_days)
    following = due_at + interval
    if following <= now:
        following += interval * math.ceil((now - following) / interval)
    return following


async def generate_due_inspections(
    conn: Connection, now: datetime, lead_days: int, batch: int = 100
) -> int:
    """Create the inspections of every plan due within the lead time (periodic job).

    Plans are claimed with `for update skip locked`, and inspections are unique per (plan,
    station, due date): several replicas running this at once create each inspection once.
    """
    created = 0
    for plan in await repository.claim_due_plans(conn, now + timedelta(days=lead_days), batch):
        template_row = await repository.get_template(conn, plan["template_id"])
        assert template_row is not None  # a foreign key
        template = template_out(template_row)
        if plan["charge_point_id"] is not None:
            station = await stations.get(conn, plan["charge_point_id"])
            targets = [(plan["charge_point_id"], station.site if station else None)]
        else:
            targets = [
                (s.charge_point_id, s.site) for s in await stations.in_site(conn, plan["site"])
            ]
        due_at = plan["next_due_at"]
        for cp_id, site in targets:
            if await inspections.schedule(
                conn,
                template=template,
                charge_point_id=cp_id,
                site=site,
                due_at=due_at,
                overdue_at=due_at + timedelta(days=plan["grace_days"]),
                plan_id=plan["id"],
            ):
                created += 1
        await repository.advance_plan(
            conn, plan["id"], next_due(due_at, plan["interval_days"], now)
        )
    if created:
        log.info("operations.inspections.generated", count=created)
    return created
