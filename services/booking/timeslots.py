"""Time rules shared by bookings, blocks and availability: UTC, slot alignment, DST-aware days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.problems import Invalid

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def now() -> datetime:
    return datetime.now(UTC)


def floor_slot(at: datetime, slot: timedelta) -> datetime:
    return at - (at - EPOCH) % slot


def ceil_slot(at: datetime, slot: timedelta) -> datetime:
    floored = floor_slot(at, slot)
    return floored if floored == at else floored + slot


def is_aligned(at: datetime, slot: timedelta) -> bool:
    return (at - EPOCH) % slot == timedelta(0)


def check_window(
    starts_at: datetime,
    ends_at: datetime,
    *,
    slot: timedelta,
    earliest: datetime,
    latest_start: datetime,
    max_duration: timedelta | None,
    current: datetime,
) -> tuple[datetime, datetime]:
    """Validate a requested window; returns it in UTC. Raises `Invalid` (422) naming the rule."""
    starts_at, ends_at = starts_at.astimezone(UTC), ends_at.astimezone(UTC)
    if ends_at <= starts_at:
        raise Invalid("The window must end after it starts.", rule="end_after_start")
    if not (is_aligned(starts_at, slot) and is_aligned(ends_at, slot)):
        minutes = slot.total_seconds() / 60
        raise Invalid(
            f"Windows start and end on whole slots of {minutes:g} minutes (UTC).",
            rule="slot_alignment",
            slot_s=int(slot.total_seconds()),
        )
    if starts_at < floor_slot(current, slot):
        raise Invalid("The window starts in the past.", rule="not_in_past")
    if starts_at < earliest:
        raise Invalid(
            f"The window must start at {earliest.isoformat()} or later (minimum lead time).",
            rule="min_lead_time",
            earliest_start=earliest.isoformat(),
        )
    if starts_at > latest_start:
        raise Invalid(
            f"The window must start by {latest_start.isoformat()} (how far ahead one can book).",
            rule="max_advance",
        )
    if max_duration is not None and ends_at - starts_at > max_duration:
        raise Invalid(
            f"A booking lasts at most {max_duration.total_seconds() / 60:g} minutes.",
            rule="max_duration",
        )
    return starts_at, ends_at


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"Unknown time zone {name!r}.", rule="time_zone") from None


def local_day(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC bounds of a calendar day in a zone: 23 or 25 hours long on DST changes."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)
