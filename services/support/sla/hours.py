"""Business-hours arithmetic: how many business seconds lie between two instants, and which
instant lies a number of business seconds after another. Pure; all instants timezone-aware."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# A deadline further away than this many days means the calendar has no business hours.
_HORIZON_DAYS = 3660


@dataclass(frozen=True)
class BusinessHours:
    zone: ZoneInfo
    days: frozenset[int]
    start: time
    end: time
    holidays: frozenset[date]

    @classmethod
    def of(
        cls, zone: str, days: Iterable[int], start: time, end: time, holidays: Iterable[date]
    ) -> BusinessHours:
        if end <= start:
            raise ValueError("business hours must end after they start")
        return cls(ZoneInfo(zone), frozenset(days), start, end, frozenset(holidays))

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's business hours in UTC (DST-safe), or None on a closed day."""
        if day.weekday() not in self.days or day in self.holidays:
            return None
        opens = datetime.combine(day, self.start, self.zone).astimezone(UTC)
        closes = datetime.combine(day, self.end, self.zone).astimezone(UTC)
        return opens, closes

    def seconds_between(self, since: datetime, until: datetime) -> float:
        if until <= since:
            return 0.0
        total = 0.0
        day = since.astimezone(self.zone).date()
        last = until.astimezone(self.zone).date()
        while day <= last:
            window = self._window(day)
            if window is not None:
                low, high = max(since, window[0]), min(until, window[1])
                if high > low:
                    total += (high - low).total_seconds()
            day += timedelta(days=1)
        return total

    def add(self, start: datetime, seconds: float) -> datetime:
        """The instant `seconds` business seconds after `start`."""
        remaining = max(seconds, 0.0)
        day = start.astimezone(self.zone).date()
        for _ in range(_HORIZON_DAYS):
            window = self._window(day)
            if window is not None:
                low = max(start, window[0])
                if window[1] > low:
                    available = (window[1] - low).total_seconds()
                    if remaining <= available:
                        return low + timedelta(seconds=remaining)
                    remaining -= available
            day += timedelta(days=1)
        raise ValueError("no business hours in the calendar")
