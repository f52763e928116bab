"""Settings of the support service (environment variables `LADDA_SUPPORT_*`)."""

from datetime import date, time

from pydantic import BaseModel, ConfigDict
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class SlaTarget(BaseModel):
    """Targets in business minutes (see README "SLA")."""

    model_config = ConfigDict(frozen=True)

    first_response_minutes: int
    resolution_minutes: int


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LADDA_SUPPORT_")

    port: int = 8107

    # -- drivers ------------------------------------------------------------------------------
    # A driver may reopen a resolved (or closed) ticket this long after it was resolved.
    reopen_window_days: int = 14

    # -- priorities and SLA ------------------------------------------------------------------
    # The priority a new ticket gets from its category; staff may change it.
    default_priorities: dict[str, str] = {
        "charging_problem": "high",
        "payment_invoice": "normal",
        "booking": "normal",
        "account": "low",
        "station_safety": "urgent",
        "other": "low",
    }
    # Targets per priority, in business minutes...
    sla_targets: dict[str, SlaTarget] = {
        "urgent": SlaTarget(first_response_minutes=30, resolution_minutes=240),
        "high": SlaTarget(first_response_minutes=60, resolution_minutes=540),
        "normal": SlaTarget(first_response_minutes=240, resolution_minutes=1620),
        "low": SlaTarget(first_response_minutes=540, resolution_minutes=2700),
    }
    # ...overridden for one category and priority by a key "category:priority".
    sla_overrides: dict[str, SlaTarget] = {}
    # Business hours: the SLA clock runs only inside them (local time of `business_timezone`).
    business_timezone: str = "Europe/Stockholm"
    business_days: list[int] = [0, 1, 2, 3, 4]  # Monday = 0
    business_start: time = time(8, 0)
    business_end: time = time(17, 0)
    holidays: list[date] = []
    # How often breaches are looked for (and `ticket.sla-breached` published).
    sla_check_interval_s: float = 30.0

    # -- closing -------------------------------------------------------------------------------
    # A resolved ticket closes by itself this many calendar days after its resolution (the
    # driver did not come back); 0 turns the job off. A closed ticket can still be reopened by
    # the driver within `reopen_window_days` of the resolution, and by staff at any time.
    auto_close_after_days: int = 7
    # How often resolved tickets are looked at for closing.
    auto_close_interval_s: float = 300.0

    # -- automatic tickets -------------------------------------------------------------------
    # Off by default: the operator enables them.
    automatic_tickets: bool = False
    # Stop reasons (OCPP 1.6 and 2.0.1) that make a session end abnormally.
    abnormal_stop_reasons: list[str] = [
        "EmergencyStop",
        "EVCommunicationError",
        "GroundFault",
        "OvercurrentFault",
        "PowerLoss",
        "PowerQuality",
        "HardReset",
        "Reboot",
    ]
