"""Reporting periods in the operator's time zone: a day is local midnight to local midnight
(23 or 25 hours across a DST change), weeks start on Monday, months on the 1st."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Granularity = Literal["hour", "day", "week", "month"]


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    def label(self, tz: ZoneInfo) -> str:
        return self.start.astimezone(tz).isoformat()

    def seconds_until(self, now: datetime) -> float:
        """Length of the part of the period that has passed (a future part counts nothing)."""
        return max(0.0, (min(self.end, now) - self.start).total_seconds())


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def whole_range(first: date, last: date, tz: ZoneInfo) -> Period:
    """The local days `first` to `last`, both included."""
    return Period(local_midnight(first, tz), local_midnight(last + timedelta(days=1), tz))


def _next_boundary(day: date, granularity: Granularity) -> date:
    if granularity == "day":
        return day + timedelta(days=1)
    if granularity == "week":
        return day + timedelta(days=7 - day.weekday())
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def periods(first: date, last: date, granularity: Granularity, tz: ZoneInfo) -> list[Period]:
    """The periods covering local days `first`..`last`; the first and last week or month are
    cut at the range's ends."""
    span = whole_range(first, last, tz)
    if granularity == "hour":
        hours = int((span.end - span.start).total_seconds() // 3600)
        return [
            Period(span.start + timedelta(hours=h), span.start + timedelta(hours=h + 1))
            for h in range(hours)
        ]
    found: list[Period] = []
    day, stop = first, last + timedelta(days=1)
    while day < stop:
        following = min(_next_boundary(day, granularity), stop)
        found.append(Period(local_midnight(day, tz), local_midnight(following, tz)))
        day = following
    return found


def period_index(starts: list[datetime], at: datetime) -> int:
    """Which period (by their sorted starts) an instant inside the covered range falls in."""
    return bisect.bisect_right(starts, at) - 1


def count_periods(first: date, last: date, granularity: Granularity) -> int:
    """An upper bound of len(periods(...)), cheap enough to refuse a too large answer early."""
    days = (last - first).days + 1
    return {"hour": days * 25, "day": days, "week": days // 7 + 2, "month": days // 28 + 2}[
        granularity
    ]
