"""What several replicas (or redelivered events) doing the same work at once leave behind:
one unresolved alert per condition, one inspection per plan, station and due date."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from services.operations.alerts import rules
from services.operations.alerts import service as alerts
from services.operations.maintenance import service as maintenance
from services.operations.maintenance.schemas import PlanCreate
from services.operations.stations import repository as stations
from tests.helpers.stack import unique
from tests.operations.support import Operations


async def test_concurrent_raises_leave_one_alert(ops: Operations) -> None:
    cp_id = unique("CP")
    condition = rules.security_event(cp_id, "TamperDetectionActivated", None)
    assert condition is not None

    async def raise_once() -> bool:
        async with ops.pool.acquire() as conn, conn.transaction():
            _, opened = await alerts.raise_condition(conn, condition, site="s")
            return opened

    opened = await asyncio.gather(*(raise_once() for _ in range(8)))
    assert opened.count(True) == 1
    rows = await ops.pool.fetch("select occurrences from alerts where charge_point_id = $1", cp_id)
    assert [row["occurrences"] for row in rows] == [8]


async def test_concurrent_generation_creates_each_inspection_once(ops: Operations) -> None:
    cp_id = unique("CP")
    async with ops.pool.acquire() as conn, conn.transaction():
        await stations.upsert_registry(conn, cp_id, unique("site"), "1.6", 2, "approved")
        template = next(
            t for t in await maintenance.list_templates(conn) if t.key == "annual-full-inspection"
        )
        await maintenance.create_plan(
            conn,
            PlanCreate(
                name="Annual",
                template_id=template.id,
                charge_point_id=cp_id,
                first_due_at=datetime.now(UTC) - timedelta(days=1),
            ),
            "operator-1",
        )

    async def generate() -> int:
        async with ops.pool.acquire() as conn, conn.transaction():
            return await maintenance.generate_due_inspections(conn, datetime.now(UTC), 14)

    created = await asyncio.gather(*(generate() for _ in range(6)))
    total = await ops.pool.fetchval(
        "select count(*) from inspections where charge_point_id = $1", cp_id
    )
    assert total == 1
    assert sum(created) <= 1  # the service's own job may have been first
