"""Settings of the analytics service (environment variables `LADDA_ANALYTICS_*`)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LADDA_ANALYTICS_")

    port: int = 8105

    # -- ingestion -----------------------------------------------------------------------------
    # Topics read (tests give the service topics of their own; the platform's are shared).
    sessions_topic: str = "charging.sessions.v1"
    status_topic: str = "chargepoints.status.v1"
    registry_topic: str = "chargepoints.registry.v1"
    invoices_topic: str = "payment.invoices.v1"
    reservations_topic: str = "booking.reservations.v1"
    users_topic: str = "identity.users.v1"
    accounts_topic: str = "payment.accounts.v1"
    tickets_topic: str = "support.tickets.v1"
    alerts_topic: str = "operations.alerts.v1"
    # Events written per database transaction (one multi-row insert per table).
    ingest_batch_size: int = 1000
    # How often the daily rollups are extended to yesterday and stale charge points recomputed.
    rollup_interval_s: float = 60.0

    # -- figures -------------------------------------------------------------------------------
    # The operator's time zone: day, week and month boundaries, the weekday x hour heat map.
    timezone: str = "Europe/Stockholm"
    # Money figures count invoices in this currency (integer minor units).
    currency: str = "SEK"
    # Most rows one table answer may hold (charge points x connectors x periods).
    max_rows: int = 50_000

    # -- CO2 avoided against a petrol car (README "CO2 method") ---------------------------------
    # Emission factor of the electricity charged, g CO2e per kWh (Swedish grid mix, consumption).
    grid_g_co2_per_kwh: float = 45.0
    # Energy an average EV needs from the charger per 100 km (charging losses included).
    ev_kwh_per_100km: float = 18.0
    # Fuel an average petrol car burns per 100 km, and CO2e per litre of petrol (well to wheel).
    petrol_l_per_100km: float = 6.5
    petrol_kg_co2_per_l: float = 2.8
    # A station occupied at least this share of the time is flagged as needing capacity.
    capacity_threshold_pct: float = 60.0
