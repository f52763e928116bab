"""Periodic clean-up: processed event ids past retention, finished deliveries past retention."""

from __future__ import annotations

import asyncio

import structlog

from services.notifications.deliveries import repository as deliveries
from services.notifications.settings import Settings
from shared.inbox import purge_processed
from shared.service import ServiceRuntime

log = structlog.get_logger(__name__)


async def clean_once(runtime: ServiceRuntime, settings: Settings, batch_size: int = 5000) -> int:
    assert runtime.pool is not None
    inbox = await purge_processed(
        runtime.pool, retention_days=settings.inbox_retention_days, batch_size=batch_size
    )
    purged = 0
    while True:
        async with runtime.transaction() as conn:
            batch = await deliveries.purge_finished(
                conn, settings.delivery_log_retention_days, batch_size
            )
        purged += batch
        if batch < batch_size:
            break
    log.info("notifications.housekeeping", inbox=inbox, deliveries=purged)
    return inbox + purged


async def run_housekeeping(runtime: ServiceRuntime, settings: Settings) -> None:
    while True:
        try:
            await clean_once(runtime, settings)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # an outage: the next round catches up
            log.warning("notifications.housekeeping.failed", error=repr(exc))
        await asyncio.sleep(settings.housekeeping_interval_s)
