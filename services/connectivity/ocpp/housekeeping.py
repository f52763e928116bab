"""What every replica does in the background: the write-behind flush, its own heartbeat (for
command routing), the offline sweep (missed heartbeats) and frame-log retention."""

from __future__ import annotations

import asyncio

import structlog

from services.connectivity.chargepoints import repository as cp_repository
from services.connectivity.chargepoints import service as cp_service
from services.connectivity.framelog import repository as frame_repository
from services.connectivity.ocpp.batches import Transaction
from services.connectivity.ocpp.write_behind import WriteBehind
from services.connectivity.settings import Settings

log = structlog.get_logger(__name__)


async def run_flusher(buffers: WriteBehind, settings: Settings) -> None:
    while True:
        await asyncio.sleep(settings.flush_interval_s)
        try:
            await buffers.flush()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("connectivity.flush_failed", error=repr(exc)[:300])


async def run_housekeeping(
    settings: Settings, transaction: Transaction, buffers: WriteBehind, replica_id: str
) -> None:
    """Replica heartbeat, offline sweep (missed heartbeats) and frame-log retention."""
    offline_after = settings.heartbeat_interval_s * settings.offline_after_missed_heartbeats
    last_sweep = last_purge = 0.0
    loop = asyncio.get_running_loop()
    while True:
        try:
            async with transaction() as conn:
                await cp_repository.heartbeat_replica(conn, replica_id)
            if loop.time() - last_sweep >= settings.offline_sweep_interval_s:
                last_sweep = loop.time()
                # Last-seen times first, or a charger heard from a moment ago looks silent.
                if await buffers.flush():
                    async with transaction() as conn:
                        gone = await cp_service.sweep_offline(conn, offline_after)
                    for cp_id in gone:
                        log.info(
                            "connectivity.charge_point.heartbeat_missed", charge_point_id=cp_id
                        )
            if loop.time() - last_purge >= settings.frame_log_purge_interval_s:
                last_purge = loop.time()
                async with transaction() as conn:
                    purged = await frame_repository.purge(conn, settings.frame_log_retention_days)
                log.info("connectivity.frame_log.purged", rows=purged)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("connectivity.housekeeping_failed", error=repr(exc)[:300])
        await asyncio.sleep(settings.replica_heartbeat_s)
