"""Settings of the booking service (environment variables `LADDA_BOOKING_*`).

Durations are ISO 8601 (`PT15M`) or seconds (`900`). The rules are explained in the README.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LADDA_BOOKING_")

    port: int = 8103

    # -- rules of bookings ---------------------------------------------------------------------
    # Windows start and end on multiples of the slot (counted from the Unix epoch, UTC).
    slot: timedelta = timedelta(minutes=15)
    # A booking starts at least this long after it is made.
    min_lead_time: timedelta = timedelta(minutes=15)
    max_duration: timedelta = timedelta(hours=4)
    # How far ahead a booking may start.
    max_advance: timedelta = timedelta(days=30)
    # Bookings in `confirmed` or `active` a driver may hold at once.
    max_active_per_driver: int = 3
    # A driver's cancellation later than this before the start is marked late (payment may
    # charge the no-show fee for it).
    cancellation_deadline: timedelta = timedelta(hours=1)
    # After the start, the driver has this long to start a session; then the booking is a no-show.
    grace_period: timedelta = timedelta(minutes=15)

    # -- at the charger --------------------------------------------------------------------------
    # ReserveNow is sent this long before the window opens.
    reserve_ahead: timedelta = timedelta(minutes=10)
    # The service account booking's commands are requested as (it holds `commands:reserve`).
    service_account: str = "svc-booking"
    command_timeout_s: float = 30.0
    # A connector that faults or becomes unavailable cancels the bookings starting within this.
    fault_cancel_horizon: timedelta = timedelta(hours=2)
    # How far from the cancelled window the nearest free alternative is looked for.
    alternative_search: timedelta = timedelta(hours=6)
    alternative_radius_km: float = 5.0
    # How often the lifecycle (ReserveNow, activation, no-shows, ends) is driven.
    tick_interval_s: float = 5.0

    # -- availability -----------------------------------------------------------------------------
    # Days of the availability view are the operator's calendar days in this time zone.
    operator_time_zone: str = "Europe/Stockholm"
    availability_max_period: timedelta = timedelta(days=7)
    availability_max_charge_points: int = 2000
