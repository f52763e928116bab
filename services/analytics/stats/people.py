"""The network's people figures per period: new registrations, deleted accounts, and the
subscription share of the active drivers (README "Network")."""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from services.analytics.stats import repository
from services.analytics.stats.periods import Period, period_index
from shared.db import Connection


@dataclass
class PeopleCell:
    new_registrations: int = 0
    deleted_accounts: int = 0
    subscribers: int = 0


async def people_cells(
    conn: Connection, spans: list[Period], drivers: list[set[str]]
) -> list[PeopleCell]:
    """One cell per period; `drivers` are the active drivers of each period."""
    starts = [p.start for p in spans]
    start, end = spans[0].start, spans[-1].end
    cells = [PeopleCell() for _ in spans]
    for at in await repository.registrations(conn, start, end):
        cells[period_index(starts, at)].new_registrations += 1
    for at in await repository.deletions(conn, start, end):
        cells[period_index(starts, at)].deleted_accounts += 1
    everyone = sorted(set().union(*drivers)) if drivers else []
    history: dict[str, tuple[list[datetime], list[bool]]] = defaultdict(lambda: ([], []))
    for standing in await repository.standings(conn, everyone, end):
        times, values = history[standing["user_id"]]
        times.append(standing["at"])
        values.append(standing["subscription_active"])
    for cell, span, active in zip(cells, spans, drivers, strict=True):
        for driver in active:
            times, values = history.get(driver, ([], []))
            latest = bisect.bisect_left(times, span.end) - 1
            cell.subscribers += latest >= 0 and values[latest]
    return cells
