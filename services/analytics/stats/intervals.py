"""Status history as intervals: the state of a connector between two events holds for the
whole interval, so availability is a sum of interval lengths, never a count of samples.

A connector is *up* while its charger is online and neither the connector nor the charger as a
whole (connector 0) is `Faulted`; *available* while up and neither is `Unavailable`. Time before
the first connected/disconnected event of a charger is unknown and left out of the percentages.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from services.analytics.stats.periods import Period

FAULTED = "Faulted"
UNAVAILABLE = "Unavailable"


@dataclass(frozen=True)
class Change:
    """One event of the history: `kind` is `link` (online or not), `charger` (connector 0's
    status) or `connector`; `order` breaks ties of equal times deterministically."""

    at: datetime
    kind: str
    value: str | bool
    error_code: str | None = None
    order: str = ""


@dataclass(frozen=True)
class Segment:
    start: datetime
    end: datetime
    online: bool | None
    charger_status: str | None
    status: str | None

    @property
    def up(self) -> bool:
        return bool(self.online) and FAULTED not in (self.charger_status, self.status)

    @property
    def available(self) -> bool:
        return self.up and UNAVAILABLE not in (self.charger_status, self.status)


@dataclass
class Timeline:
    segments: list[Segment] = field(default_factory=list)
    # (at, error code) of every entry into Faulted (of the connector or of the whole charger).
    faults: list[tuple[datetime, str]] = field(default_factory=list)
    # Indexes for `uptime`, filled on first use.
    ends: list[datetime] = field(default_factory=list)
    fault_times: list[datetime] = field(default_factory=list)


def overlap(start: datetime, end: datetime, period: Period, now: datetime) -> float:
    lo, hi = max(start, period.start), min(end, period.end, now)
    return max(0.0, (hi - lo).total_seconds())


def timeline(changes: Iterable[Change], until: datetime) -> Timeline:
    """Segments from the first change to `until`, and the faults, whatever order the changes
    arrived in (they are sorted by time here)."""
    ordered = sorted(changes, key=lambda c: (c.at, c.kind, c.order))
    result = Timeline()
    online: bool | None = None
    charger: str | None = None
    status: str | None = None
    for index, change in enumerate(ordered):
        was_faulted = FAULTED in (charger, status)
        if change.kind == "link":
            online = bool(change.value)
        elif change.kind == "charger":
            charger = str(change.value)
        else:
            status = str(change.value)
        if not was_faulted and FAULTED in (charger, status):
            result.faults.append((change.at, change.error_code or "unknown"))
        end = ordered[index + 1].at if index + 1 < len(ordered) else until
        if end > change.at:
            result.segments.append(Segment(change.at, end, online, charger, status))
    return result


@dataclass(frozen=True)
class Uptime:
    known_s: float
    up_s: float
    available_s: float
    faults: Counter[str]

    @property
    def uptime_pct(self) -> float | None:
        return round(100 * self.up_s / self.known_s, 3) if self.known_s else None

    @property
    def availability_pct(self) -> float | None:
        return round(100 * self.available_s / self.known_s, 3) if self.known_s else None

    @property
    def mtbf_h(self) -> float | None:
        """Mean time between failures: hours up in the period per fault in it."""
        count = sum(self.faults.values())
        return round(self.up_s / 3600 / count, 3) if count else None


def uptime(line: Timeline, period: Period, now: datetime) -> Uptime:
    known = up = available = 0.0
    # Segments are sorted and do not overlap: only those ending after the period's start and
    # starting before its end count.
    if len(line.ends) != len(line.segments):
        line.ends = [segment.end for segment in line.segments]
        line.fault_times = [at for at, _ in line.faults]
    first = bisect.bisect_right(line.ends, period.start)
    for segment in line.segments[first:]:
        if segment.start >= period.end:
            break
        if segment.online is None:
            continue
        length = overlap(segment.start, segment.end, period, now)
        known += length
        if segment.up:
            up += length
        if segment.available:
            available += length
    lo = bisect.bisect_left(line.fault_times, period.start)
    hi = bisect.bisect_left(line.fault_times, period.end)
    faults = Counter(code for _, code in line.faults[lo:hi])
    return Uptime(known, up, available, faults)
