"""Settings of the connectivity service (environment variables `LADDA_CONNECTIVITY_*`)."""

from __future__ import annotations

import uuid

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LADDA_CONNECTIVITY_")

    port: int = 8101
    # The OCPP WebSocket endpoint; the port name is platform-wide (the stack and the simulator read it).
    ocpp_host: str = "127.0.0.1"
    ocpp_port: int = Field(
        9000,
        validation_alias=AliasChoices("LADDA_CONNECTIVITY_OCPP_PORT", "ocpp_port"),
    )
    # TLS by the service itself (security profile 2) when both are set; otherwise TLS in front.
    ocpp_tls_cert_file: str | None = None
    ocpp_tls_key_file: str | None = None
    # Largest accepted WebSocket frame; bigger frames close the connection (1009).
    ocpp_max_frame_bytes: int = 65_536
    ocpp_listen_backlog: int = 16_384
    # Per-charger flood control: a token bucket of calls per second with a burst allowance.
    ocpp_rate_per_s: float = 20.0
    ocpp_rate_burst: int = 40

    heartbeat_interval_s: int = 60
    # A charger that sends nothing for this many heartbeat intervals is marked offline.
    offline_after_missed_heartbeats: int = 3
    offline_sweep_interval_s: float = 5.0
    # session.updated is published at most this often per session.
    session_update_interval_s: float = 60.0
    # A power sample above this counts as the car drawing power (session.stopped's
    # charging_ended_at, from which idle fees are counted).
    drawing_power_threshold_w: float = 100.0
    # Meter samples, heartbeats and frame-log rows are written in batches this often.
    flush_interval_s: float = 0.5

    command_timeout_s: float = 30.0
    # A replica whose heartbeat is older than this no longer counts as holding its chargers.
    replica_heartbeat_s: float = 2.0
    replica_stale_s: float = 10.0
    replica_id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])

    frame_log_enabled: bool = True
    frame_log_retention_days: int = 14
    frame_log_purge_interval_s: float = 3600.0

    # Garbage collection (see app.tune_gc): freeze start-up objects; CPython's default
    # thresholds are (700, 10, 10).
    gc_freeze_after_start: bool = True
    gc_thresholds: tuple[int, int, int] = (50_000, 20, 20)

    # Local development and benchmarks: chargers provisioned (approved) at start.
    seed_file: str | None = None
