"""A driver's own figures: per month (operator's time zone) and overall, favourite locations,
and CO2 avoided against a petrol car (README "CO2 method")."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from services.analytics.settings import Settings
from services.analytics.stats import repository
from services.analytics.stats.periods import whole_range
from services.analytics.stats.schemas import Co2Method, DriverRow, DriverStats, FavouriteLocation
from shared.db import Connection

FAVOURITES = 3


def co2_method(settings: Settings) -> Co2Method:
    petrol_kg_per_kwh = (
        settings.petrol_l_per_100km / settings.ev_kwh_per_100km * settings.petrol_kg_co2_per_l
    )
    return Co2Method(
        description=(
            "Each kWh charged drives 100/ev_kwh_per_100km km; a petrol car would have burnt "
            "petrol_l_per_100km litres per 100 km of it, emitting petrol_kg_co2_per_l each. "
            "The electricity's own emissions (grid_g_co2_per_kwh) are subtracted."
        ),
        grid_g_co2_per_kwh=settings.grid_g_co2_per_kwh,
        ev_kwh_per_100km=settings.ev_kwh_per_100km,
        petrol_l_per_100km=settings.petrol_l_per_100km,
        petrol_kg_co2_per_l=settings.petrol_kg_co2_per_l,
        avoided_kg_per_kwh=round(petrol_kg_per_kwh - settings.grid_g_co2_per_kwh / 1000, 6),
    )


class _Month:
    def __init__(self) -> None:
        self.sessions = 0
        self.energy_wh = 0
        self.charging_s = 0.0
        self.plugged_s = 0.0
        self.spent_minor = 0

    def add(self, session: dict[str, Any]) -> None:
        self.sessions += 1
        self.energy_wh += session["energy_wh"]
        self.charging_s += (session["charging_until"] - session["started_at"]).total_seconds()
        self.plugged_s += (session["stopped_at"] - session["started_at"]).total_seconds()

    def row(self, month: str, settings: Settings, per_kwh: float) -> DriverRow:
        kwh = self.energy_wh / 1000
        return DriverRow(
            month=month,
            sessions=self.sessions,
            energy_kwh=kwh,
            charging_h=round(self.charging_s / 3600, 3),
            plugged_in_h=round(self.plugged_s / 3600, 3),
            spent_minor=self.spent_minor,
            currency=settings.currency,
            average_energy_kwh=round(kwh / self.sessions, 3) if self.sessions else None,
            average_duration_min=round(self.plugged_s / 60 / self.sessions, 3)
            if self.sessions
            else None,
            co2_avoided_kg=round(kwh * per_kwh, 3),
        )


async def driver_stats(
    conn: Connection, settings: Settings, user_id: str, first: date | None, last: date | None
) -> DriverStats:
    tz = ZoneInfo(settings.timezone)
    span = whole_range(first or date(2000, 1, 1), last or date(2100, 12, 31), tz)
    method = co2_method(settings)
    months: dict[str, _Month] = defaultdict(_Month)
    overall = _Month()
    places: dict[str, dict[str, Any]] = {}
    for session in await repository.sessions_of_user(conn, user_id, span.start, span.end):
        month = session["started_at"].astimezone(tz).strftime("%Y-%m")
        months[month].add(session)
        overall.add(session)
        place = places.setdefault(
            session["charge_point_id"],
            {"site_name": session["site_name"], "address": session["address"], "n": 0, "wh": 0},
        )
        place["n"] += 1
        place["wh"] += session["energy_wh"]
    for invoice in await repository.invoices_of_user(conn, user_id, settings.currency):
        if span.start <= invoice["first_at"] < span.end:
            month = invoice["first_at"].astimezone(tz).strftime("%Y-%m")
            months[month].spent_minor += invoice["net_minor"]
            overall.spent_minor += invoice["net_minor"]
    favourites = sorted(places.items(), key=lambda item: (-item[1]["n"], -item[1]["wh"], item[0]))
    return DriverStats(
        overall=overall.row("all", settings, method.avoided_kg_per_kwh),
        months=[months[m].row(m, settings, method.avoided_kg_per_kwh) for m in sorted(months)],
        favourite_locations=[
            FavouriteLocation(
                charge_point_id=cp,
                site_name=p["site_name"],
                address=p["address"],
                sessions=p["n"],
                energy_kwh=p["wh"] / 1000,
            )
            for cp, p in favourites[:FAVOURITES]
        ],
        co2_method=method,
    )
