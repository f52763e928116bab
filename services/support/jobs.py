"""The periodic SLA check every replica runs: flags passed deadlines (rows claimed with
`for update skip locked`, so replicas share the work) and publishes the breaches."""

from __future__ import annotations

import asyncio

import structlog

from services.support.clock import Clock
from services.support.tickets.service import Tickets
from shared.service import ServiceRuntime

log = structlog.get_logger(__name__)


async def check_sla_once(runtime: ServiceRuntime, tickets: Tickets, clock: Clock) -> int:
    async with runtime.transaction() as conn:
        return await tickets.flag_breaches(conn, clock.now())


async def run_sla_checks(runtime: ServiceRuntime, tickets: Tickets, clock: Clock) -> None:
    while True:
        try:
            flagged = await check_sla_once(runtime, tickets, clock)
            if flagged:
                log.info("support.sla.breaches_flagged", count=flagged)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("support.sla.check_failed", error=repr(exc))
        await asyncio.sleep(tickets.settings.sla_check_interval_s)
