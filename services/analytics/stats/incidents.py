"""Support tickets and operations alerts per charge point and period (README "Tickets and
alerts"). Rows are sparse: a charge point, period and category (or kind) with nothing opened
has no row."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from zoneinfo import ZoneInfo

from services.analytics.settings import Settings
from services.analytics.stats import repository
from services.analytics.stats.periods import (
    Granularity,
    Period,
    count_periods,
    period_index,
    periods,
)
from services.analytics.stats.schemas import AlertRow, TicketRow
from shared.db import Connection
from shared.problems import Invalid


def _spans(settings: Settings, first: date, last: date, granularity: Granularity) -> list[Period]:
    if count_periods(first, last, granularity) > settings.max_rows:
        raise Invalid(
            "The answer would exceed the row limit: choose a shorter range or a coarser "
            "granularity.",
            max_rows=settings.max_rows,
        )
    return periods(first, last, granularity, ZoneInfo(settings.timezone))


async def ticket_rows(
    conn: Connection,
    settings: Settings,
    first: date,
    last: date,
    granularity: Granularity,
    charge_point_id: str | None,
) -> list[TicketRow]:
    tz = ZoneInfo(settings.timezone)
    spans = _spans(settings, first, last, granularity)
    starts = [p.start for p in spans]
    counts: dict[tuple[str, int, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    found = await repository.tickets_opened(conn, spans[0].start, spans[-1].end, charge_point_id)
    for ticket in found:
        key = (
            ticket["charge_point_id"],
            period_index(starts, ticket["created_at"]),
            ticket["category"],
        )
        count = counts[key]
        count[0] += 1
        count[1] += ticket["origin"] == "automatic"
        count[2] += ticket["status"] in ("resolved", "closed")
        count[3] += ticket["sla_breached"]
    return [
        TicketRow(
            charge_point_id=cp,
            period_start=spans[index].label(tz),
            category=category,
            opened=count[0],
            automatic=count[1],
            resolved=count[2],
            sla_breached=count[3],
        )
        for (cp, index, category), count in sorted(counts.items())
    ]


async def alert_rows(
    conn: Connection,
    settings: Settings,
    first: date,
    last: date,
    granularity: Granularity,
    charge_point_id: str | None,
) -> list[AlertRow]:
    tz = ZoneInfo(settings.timezone)
    spans = _spans(settings, first, last, granularity)
    starts = [p.start for p in spans]
    opened: dict[tuple[str, int, str], list[dict[str, object]]] = defaultdict(list)
    for alert in await repository.alerts_opened(
        conn, spans[0].start, spans[-1].end, charge_point_id
    ):
        key = (alert["charge_point_id"], period_index(starts, alert["opened_at"]), alert["kind"])
        opened[key].append(alert)
    rows = []
    for (cp, index, kind), alerts in sorted(opened.items()):
        durations = [
            (a["resolved_at"] - a["opened_at"]).total_seconds()  # type: ignore[operator]
            for a in alerts
            if a["resolved_at"] is not None
        ]
        rows.append(
            AlertRow(
                charge_point_id=cp,
                period_start=spans[index].label(tz),
                kind=kind,
                opened=len(alerts),
                high_severity=sum(a["severity"] == "high" for a in alerts),
                resolved=len(durations),
                mean_time_to_resolve_min=round(sum(durations) / len(durations) / 60, 3)
                if durations
                else None,
            )
        )
    return rows
