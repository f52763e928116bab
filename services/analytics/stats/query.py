"""The query parameters the statistics tables share, as dependencies.

Each dependency holds a few parameters; an endpoint lists them in the order the API documents
them (`from`, `to`, what the table needs, `format`). Nothing here raises: every parameter is
validated first (422), and the range itself is checked when the endpoint reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal, TypeVar
from zoneinfo import ZoneInfo

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel

from services.analytics.settings import Settings
from services.analytics.stats.export import Format, csv_response, wants_csv
from services.analytics.stats.periods import Granularity
from shared.problems import Invalid
from shared.service import Runtime

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
Row = TypeVar("Row", bound=BaseModel)
From = Annotated[date | None, Query(alias="from", description="First local day (included).")]
To = Annotated[date | None, Query(alias="to")]


def _check(*days: date | None) -> None:
    for day in days:
        if day is not None and not EARLIEST <= day <= LATEST:
            raise Invalid(f"Dates must lie between {EARLIEST} and {LATEST}.")


@dataclass(frozen=True)
class DayWindow:
    """`from` and `to` as asked, with the settings they are read in (the operator's zone)."""

    settings: Settings
    first: date | None
    last: date | None

    def bounds(self) -> tuple[date | None, date | None]:
        """Both ends as asked (either may be open), checked."""
        _check(self.first, self.last)
        return self.first, self.last

    def days(self) -> tuple[date, date]:
        """Both ends, by default the last 30 local days up to today, checked."""
        _check(self.first, self.last)
        today = datetime.now(UTC).astimezone(ZoneInfo(self.settings.timezone)).date()
        last = self.last or today
        first = self.first or max(EARLIEST, last - timedelta(days=29))
        if last < first:
            raise Invalid("`to` is before `from`.")
        return first, last


async def _window(runtime: Runtime, first: From = None, last: To = None) -> DayWindow:
    settings = runtime.settings
    assert isinstance(settings, Settings)
    return DayWindow(settings, first, last)


async def _granularity(granularity: Granularity = "day") -> Granularity:
    return granularity


async def _charge_point(
    charge_point_id: Annotated[str | None, Query(max_length=128)] = None,
) -> str | None:
    return charge_point_id


@dataclass(frozen=True)
class StationOrder:
    """Which charge points a ranking lists: the top or bottom `limit` by `order`."""

    order: Literal["utilisation", "uptime"]
    direction: Literal["top", "bottom"]
    limit: int


async def _station_order(
    order: Literal["utilisation", "uptime"] = "utilisation",
    direction: Literal["top", "bottom"] = "top",
    limit: Annotated[int, Query(ge=1, le=1000)] = 10,
) -> StationOrder:
    return StationOrder(order, direction, limit)


@dataclass(frozen=True)
class Reply:
    """The table as JSON, or as a CSV file when asked (`?format=csv` or `Accept: text/csv`)."""

    csv: bool

    def __call__(self, rows: list[Row], model: type[Row], filename: str) -> list[Row] | Response:
        return csv_response(rows, model, filename) if self.csv else rows


async def _answer(request: Request, format: Format | None = None) -> Reply:
    return Reply(wants_csv(request, format))


Window = Annotated[DayWindow, Depends(_window)]
Per = Annotated[Granularity, Depends(_granularity)]
OneChargePoint = Annotated[str | None, Depends(_charge_point)]
Ranking = Annotated[StationOrder, Depends(_station_order)]
Answer = Annotated[Reply, Depends(_answer)]
