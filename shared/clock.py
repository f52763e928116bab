"""The platform's clock: timezone-aware UTC now, and OCPP's RFC 3339 spelling of it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal


def utc_now() -> datetime:
    return datetime.now(UTC)


def ocpp_time(
    at: datetime | None = None, *, timespec: Literal["seconds", "milliseconds"] = "milliseconds"
) -> str:
    """`at` (default now) as OCPP writes a dateTime: RFC 3339 in UTC with a `Z`."""
    moment = (at or datetime.now(UTC)).astimezone(UTC)
    return moment.isoformat(timespec=timespec).replace("+00:00", "Z")
