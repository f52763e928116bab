"""Unit tests of the interval arithmetic and the local periods (no stack needed)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from services.analytics.stats.intervals import Change, timeline, uptime
from services.analytics.stats.periods import Period, periods

STOCKHOLM = ZoneInfo("Europe/Stockholm")
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def t(hour: int, minute: int = 0, day: int = 10) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=UTC)


def test_availability_from_intervals_overlapping_both_range_ends() -> None:
    # Range 06:00-18:00 (12 h). Offline 04:00-07:00 (1 h inside), faulted 09:00-10:30,
    # online again and faulted from 17:00 to 20:00 (1 h inside); changes given out of order.
    changes = [
        Change(t(17), "connector", "Faulted", "OverCurrentFailure"),
        Change(t(4), "link", False),
        Change(t(2), "link", True),
        Change(t(2), "connector", "Available"),
        Change(t(7), "link", True),
        Change(t(9), "connector", "Faulted", "GroundFailure"),
        Change(t(10, 30), "connector", "Available"),
        Change(t(20), "connector", "Available"),
    ]
    figures = uptime(timeline(changes, t(23)), Period(t(6), t(18)), NOW)
    assert figures.known_s == 12 * 3600
    assert figures.up_s == (12 - 1 - 1.5 - 1) * 3600
    assert figures.uptime_pct == 70.833  # 8.5 / 12
    assert dict(figures.faults) == {"GroundFailure": 1, "OverCurrentFailure": 1}
    assert figures.mtbf_h == 4.25


def test_a_faulted_charger_takes_every_connector_down_and_unknown_time_is_left_out() -> None:
    changes = [
        Change(t(12), "link", True),
        Change(t(13), "charger", "Faulted", "InternalError"),
        Change(t(14), "charger", "Available"),
        Change(t(15), "connector", "Unavailable"),
    ]
    figures = uptime(timeline(changes, t(18)), Period(t(10), t(18)), NOW)
    assert figures.known_s == 6 * 3600  # nothing known before 12:00
    assert figures.up_s == 5 * 3600
    assert figures.available_s == 2 * 3600
    assert figures.availability_pct == 33.333


def test_local_days_weeks_and_months_across_dst() -> None:
    days = periods(date(2026, 3, 28), date(2026, 3, 30), "day", STOCKHOLM)
    assert [(p.end - p.start).total_seconds() / 3600 for p in days] == [24, 23, 24]
    autumn = periods(date(2026, 10, 25), date(2026, 10, 25), "hour", STOCKHOLM)
    assert len(autumn) == 25
    weeks = periods(date(2026, 3, 26), date(2026, 4, 8), "week", STOCKHOLM)
    assert [p.label(STOCKHOLM)[:10] for p in weeks] == ["2026-03-26", "2026-03-30", "2026-04-06"]
    months = periods(date(2026, 1, 15), date(2026, 3, 31), "month", STOCKHOLM)
    assert [p.label(STOCKHOLM) for p in months] == [
        "2026-01-15T00:00:00+01:00",
        "2026-02-01T00:00:00+01:00",
        "2026-03-01T00:00:00+01:00",
    ]
