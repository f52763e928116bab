"""Rows of the tables the statistics API serves (each also served as CSV)."""

from __future__ import annotations

from pydantic import BaseModel


class ConnectorRow(BaseModel):
    charge_point_id: str
    connector_id: int
    period_start: str
    sessions: int
    energy_kwh: float
    revenue_minor: int
    currency: str
    charging_pct: float | None
    occupied_pct: float | None
    uptime_pct: float | None
    availability_pct: float | None
    faults: int
    mtbf_h: float | None
    # Drivers' bookings whose window starts in the period, those that ended as no-shows, and
    # fulfilled / (fulfilled + no-shows): of the bookings the driver decided, how many charged.
    bookings: int
    no_shows: int
    booking_conversion_pct: float | None


class FaultRow(BaseModel):
    charge_point_id: str
    connector_id: int
    period_start: str
    error_code: str
    faults: int


class TicketRow(BaseModel):
    """Support tickets about one charge point opened in one period, by category."""

    charge_point_id: str
    period_start: str
    category: str
    opened: int
    # Of those: opened automatically (abnormal session end, failed payment), now resolved or
    # closed, and with a breached SLA target.
    automatic: int
    resolved: int
    sla_breached: int


class AlertRow(BaseModel):
    """Operations alerts of one charge point opened in one period, by kind."""

    charge_point_id: str
    period_start: str
    kind: str
    opened: int
    high_severity: int
    resolved: int
    # Mean minutes from opening to resolution of the resolved ones (null when none).
    mean_time_to_resolve_min: float | None


class NetworkRow(BaseModel):
    period_start: str
    sessions: int
    energy_kwh: float
    revenue_minor: int
    currency: str
    active_drivers: int
    # Accounts registered with the driver role in the period, and accounts deleted in it.
    new_registrations: int
    deleted_accounts: int
    # Active drivers whose latest payment standing before the period's end had an active
    # subscription, and their share of the active drivers (null without active drivers).
    subscribers: int
    subscription_share_pct: float | None


class HeatMapCell(BaseModel):
    weekday: int  # ISO: 1 = Monday ... 7 = Sunday, in the operator's time zone
    hour: int
    sessions: int
    energy_kwh: float


class StationRow(BaseModel):
    rank: int
    charge_point_id: str
    site_name: str | None = None
    connectors: int
    sessions: int
    energy_kwh: float
    revenue_minor: int
    occupied_pct: float | None
    charging_pct: float | None
    uptime_pct: float | None
    # Support tickets about the charge point and operations alerts of it, opened in the range.
    tickets: int
    alerts: int
    # Occupied at least `capacity_threshold_pct` of the time: a candidate for more connectors.
    needs_capacity: bool


class DriverRow(BaseModel):
    month: str  # YYYY-MM in the operator's time zone, or "all"
    sessions: int
    energy_kwh: float
    charging_h: float
    plugged_in_h: float
    spent_minor: int
    currency: str
    average_energy_kwh: float | None
    average_duration_min: float | None
    co2_avoided_kg: float


class FavouriteLocation(BaseModel):
    charge_point_id: str
    site_name: str | None
    address: str | None
    sessions: int
    energy_kwh: float


class Co2Method(BaseModel):
    description: str
    grid_g_co2_per_kwh: float
    ev_kwh_per_100km: float
    petrol_l_per_100km: float
    petrol_kg_co2_per_l: float
    avoided_kg_per_kwh: float


class DriverStats(BaseModel):
    overall: DriverRow
    months: list[DriverRow]
    favourite_locations: list[FavouriteLocation]
    co2_method: Co2Method
