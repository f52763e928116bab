"""REST of availability: free windows per connector for a charge point, a site or a map box."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime

from services.booking.access import AnyRole
from services.booking.availability import service
from services.booking.availability.repository import Scope
from services.booking.availability.schemas import AvailabilityOut
from services.booking.settings import Settings
from services.booking.timeslots import ceil_slot, local_day, now, zone
from shared.problems import Invalid
from shared.service import DbConn, Runtime

router = APIRouter(prefix="/v1/availability", tags=["availability"])


def _bbox(value: str) -> tuple[float, float, float, float]:
    try:
        min_lon, min_lat, max_lon, max_lat = (float(part) for part in value.split(","))
    except ValueError:
        raise Invalid("bbox is min_lon,min_lat,max_lon,max_lat in degrees.") from None
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise Invalid("bbox is min_lon,min_lat,max_lon,max_lat in degrees.")
    return min_lon, min_lat, max_lon, max_lat


@router.get("", response_model=AvailabilityOut)
async def availability(
    _: AnyRole,
    conn: DbConn,
    runtime: Runtime,
    charge_point_id: Annotated[str | None, Query(max_length=64)] = None,
    site: Annotated[str | None, Query(max_length=200)] = None,
    bbox: Annotated[
        str | None, Query(max_length=100, description="min_lon,min_lat,max_lon,max_lat")
    ] = None,
    day: Annotated[
        date | None, Query(alias="date", description="a calendar day in `tz` (23 or 25 h on DST)")
    ] = None,
    period_start: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    period_end: Annotated[AwareDatetime | None, Query(alias="to")] = None,
    tz: Annotated[str | None, Query(max_length=64, description="IANA zone")] = None,
) -> Response:
    settings = runtime.settings
    assert isinstance(settings, Settings)
    if sum(x is not None for x in (charge_point_id, site, bbox)) != 1:
        raise Invalid("Give exactly one of charge_point_id, site or bbox.")
    zone_name = tz or settings.operator_time_zone
    local = zone(zone_name)
    current = now()
    if period_start is not None or period_end is not None:
        if period_start is None or period_end is None or day is not None:
            raise Invalid("Give either date, or both from and to.")
        start, end = period_start, period_end
    else:
        start, end = local_day(day or current.astimezone(local).date(), local)
    if end <= start or end - start > settings.availability_max_period:
        raise Invalid(
            "The period must end after it starts and last at most "
            f"{settings.availability_max_period.days} days."
        )
    scope = Scope(charge_point_ids=[charge_point_id] if charge_point_id else None, site_name=site)
    if bbox is not None:
        min_lon, min_lat, max_lon, max_lat = _bbox(bbox)
        scope = Scope(min_lat=min_lat, min_lon=min_lon, max_lat=max_lat, max_lon=max_lon)
    earliest = ceil_slot(current + settings.min_lead_time, settings.slot)
    document = await service.view(
        conn,
        scope,
        start,
        end,
        slot=settings.slot,
        earliest=earliest,
        time_zone=zone_name,
        limit=settings.availability_max_charge_points,
    )
    return Response(document, media_type="application/json")
