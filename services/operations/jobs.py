"""The periodic evaluation every replica runs: offline debounce, hold-down resolution, due
inspections from plans, overdue inspections, maintenance windows that begin, housekeeping. Each step claims its rows with `for update skip locked` (or an advisory lock),
so replicas share the work instead of doing it twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import structlog

from services.operations.alerts import service as alerts
from services.operations.inspections import service as inspections
from services.operations.maintenance import service as maintenance
from services.operations.monitoring import Monitor
from services.operations.settings import Settings
from services.operations.workorders import service as work_orders
from shared.service import ServiceRuntime

log = structlog.get_logger(__name__)


async def evaluate_once(runtime: ServiceRuntime, settings: Settings) -> None:
    monitor = Monitor(settings)
    now = datetime.now(UTC)
    async with runtime.transaction() as conn:
        await monitor.raise_offline(conn, now)
    async with runtime.transaction() as conn:
        await alerts.resolve_held_down(conn, settings.alert_hold_down_s)
    async with runtime.transaction() as conn:
        await maintenance.generate_due_inspections(conn, now, settings.inspection_lead_days)
    async with runtime.transaction() as conn:
        await inspections.raise_overdue(conn, now)
    async with runtime.transaction() as conn:
        await work_orders.start_due_windows(conn, settings, now)
    async with runtime.transaction() as conn:
        await work_orders.resend_unanswered(conn, settings, now)
    async with runtime.transaction() as conn:
        await monitor.housekeeping(conn, now)


async def run_evaluation(runtime: ServiceRuntime, settings: Settings) -> None:
    while True:
        try:
            await evaluate_once(runtime, settings)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("operations.evaluation_failed", error=repr(exc))
        await asyncio.sleep(settings.evaluation_interval_s)
