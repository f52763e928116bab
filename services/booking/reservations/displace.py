"""Bookings a connector can no longer honour (fault, unavailability, maintenance, retirement)
are cancelled, and each driver is offered the nearest free alternative.

"Nearest": the start closest to the booked one, for the same duration, on any in-service
connector of the same charge point, then of charge points at the same site or within
`alternative_radius_km`; windows offered to one driver in a batch are not offered to another.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg
import structlog

from services.booking.availability.repository import Scope
from services.booking.availability.service import Window, free_windows, nearest_start
from services.booking.network import repository as network
from services.booking.reservations import repository
from services.booking.reservations.service import release
from services.booking.settings import Settings
from services.booking.timeslots import ceil_slot, now
from shared.db import Connection
from shared.events.booking import AlternativeWindow, CancelReason

log = structlog.get_logger(__name__)

Offered = dict[tuple[str, int], list[Window]]


async def nearest_alternative(
    conn: Connection, row: asyncpg.Record, settings: Settings, offered: Offered
) -> AlternativeWindow | None:
    wanted = Window(row["starts_at"], row["ends_at"])
    earliest = ceil_slot(now(), settings.slot)
    period_start = max(earliest, wanted.starts_at - settings.alternative_search)
    period_end = wanted.ends_at + settings.alternative_search
    if period_end <= period_start:
        return None
    origin = await network.charge_point(conn, row["charge_point_id"])
    nearby = (
        await network.charge_points_near(
            conn, row["charge_point_id"], origin["site_name"], settings.alternative_radius_km
        )
        if origin is not None
        else []
    )
    ids = [row["charge_point_id"], *(cp["id"] for cp in nearby)]
    rank = {cp_id: index for index, cp_id in enumerate(ids)}
    found = await free_windows(
        conn,
        Scope(charge_point_ids=ids),
        period_start,
        period_end,
        slot=settings.slot,
        earliest=earliest,
        limit=len(ids),
    )
    best: tuple[tuple[float, int, int], AlternativeWindow] | None = None
    for charge_point in found:
        for connector in charge_point.connectors:
            if not connector.in_service:
                continue
            key = (charge_point.charge_point_id, connector.connector_id)
            start = nearest_start(connector.free, wanted, settings.slot, offered.get(key, []))
            if start is None:
                continue
            score = (
                abs((start - wanted.starts_at).total_seconds()),
                rank[charge_point.charge_point_id],
                connector.connector_id,
            )
            if best is None or score < best[0]:
                best = (
                    score,
                    AlternativeWindow(
                        charge_point_id=charge_point.charge_point_id,
                        connector_id=connector.connector_id,
                        starts_at=start,
                        ends_at=start + wanted.duration,
                    ),
                )
    if best is None:
        return None
    alternative = best[1]
    offered.setdefault((alternative.charge_point_id, alternative.connector_id), []).append(
        Window(alternative.starts_at, alternative.ends_at)
    )
    return alternative


async def displace(
    conn: Connection,
    settings: Settings,
    *,
    charge_point_id: str,
    connector_id: int | None,
    starts_at: datetime,
    ends_at: datetime | None,
    reason: CancelReason,
    min_connector: int = 1,
) -> list[asyncpg.Record]:
    """Cancel the open bookings overlapping the window on the connector(s); offer alternatives.

    The cause (status, maintenance window, retirement) is recorded before this runs, so the
    affected connector offers nothing and is never proposed as an alternative.
    """
    rows = await repository.open_bookings_overlapping(
        conn, charge_point_id, connector_id, starts_at, ends_at, min_connector=min_connector
    )
    offered: Offered = {}
    cancelled: list[asyncpg.Record] = []
    for row in rows:
        updated = await repository.cancel(conn, row["id"], reason=reason, late=False)
        if updated is None:
            continue
        alternative = await nearest_alternative(conn, updated, settings, offered)
        if alternative is not None:
            updated = await repository.set_alternative(
                conn, updated["id"], alternative.model_dump(mode="json")
            )
        cancelled.append(
            await release(conn, updated, settings, reason=reason, alternative=alternative)
        )
    if cancelled:
        log.info(
            "booking.reservations.displaced",
            charge_point_id=charge_point_id,
            connector_id=connector_id,
            reason=reason,
            count=len(cancelled),
        )
    return cancelled
