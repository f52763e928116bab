"""Settings of the operations service (environment variables `LADDA_OPERATIONS_*`)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LADDA_OPERATIONS_")

    port: int = 8106

    # -- alert rules (see README "Alert rules") ---------------------------------------------
    # Connectivity reports a charger offline when its WebSocket closes or it misses its
    # heartbeats; the offline alert is raised only if it is still offline after this long,
    # so a quick reconnect pages nobody.
    offline_alert_after_s: float = 180.0
    # A cleared condition resolves its alert only after staying clear this long; a recurrence
    # meanwhile keeps the same alert open (flapping never opens a second one).
    alert_hold_down_s: float = 300.0
    # This many refused logins as one charger id within the window raise an alert.
    failed_logins_threshold: int = 5
    failed_logins_window_s: float = 600.0
    # Alert kinds that open a work order automatically when they open.
    work_order_alert_kinds: list[str] = ["tamper", "emergency_stop", "connector_faulted"]

    # -- periodic jobs (safe with several replicas) ------------------------------------------
    evaluation_interval_s: float = 10.0
    # Inspections are generated this many days before they are due.
    inspection_lead_days: int = 14

    # -- charger availability during work orders -------------------------------------------
    # The service account that requests ChangeAvailability; in identity it holds the scope
    # `commands:availability` (and nothing else).
    service_account: str = "svc-operations"
    availability_command_timeout_s: float = 30.0
    # A change with no answer (or a timeout) this long after it was sent is sent again; a
    # charger that was offline gets it again when it reconnects.
    availability_resend_after_s: float = 120.0
