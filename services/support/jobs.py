"""The periodic jobs every replica runs, with rows claimed `for update skip locked` so replicas
share the work: the SLA check flags passed deadlines and publishes the breaches; the closing job
closes tickets resolved long enough ago."""

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


async def close_resolved_once(runtime: ServiceRuntime, tickets: Tickets, clock: Clock) -> int:
    async with runtime.transaction() as conn:
        return await tickets.close_resolved(conn, clock.now())


async def run_auto_close(runtime: ServiceRuntime, tickets: Tickets, clock: Clock) -> None:
    while True:
        try:
            closed = await close_resolved_once(runtime, tickets, clock)
            if closed:
                log.info("support.tickets.auto_closed", count=closed)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("support.tickets.auto_close_failed", error=repr(exc))
        await asyncio.sleep(tickets.settings.auto_close_interval_s)
