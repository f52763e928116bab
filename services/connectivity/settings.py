"""Settings of the connectivity service (environment variables `LADDA_CONNECTIVITY_*`)."""

from __future__ import annotations

import os
import socket

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


def default_replica_id() -> str:
    """The pod name (Kubernetes sets HOSTNAME to it) or the host name: stable across restarts.

    The id names this replica's consumer groups and presence rows; a restart that keeps it
    resumes its consumer groups instead of reading a day of commands again.
    """
    return os.environ.get("HOSTNAME") or socket.gethostname()


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
    # Security profile 3: the CA(s) signing chargers' client certificates (a PEM bundle). With it
    # the TLS endpoint asks every charger for a certificate (optional, so profile-2 chargers on
    # the same port still connect with a password) and verifies one that is sent against it.
    ocpp_tls_client_ca_file: str | None = None
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
    # A replica's new commands consumer group starts at the commands of this last stretch, not
    # at the topic's beginning (longer than any command's timeout; REST allows up to 300 s).
    command_replay_lookback_s: float = Field(600.0, gt=0)
    replica_heartbeat_s: float = 2.0
    replica_stale_s: float = 10.0
    # Two live replicas must never share an id (they would release each other's chargers).
    replica_id: str = Field(default_factory=default_replica_id, min_length=1, max_length=200)

    frame_log_enabled: bool = True
    frame_log_retention_days: int = Field(14, ge=1)
    frame_log_purge_interval_s: float = 3600.0

    # Retention (services/connectivity/retention): a pass every interval, deletes in batches.
    retention_interval_s: float = Field(3600.0, gt=0)
    retention_batch_size: int = Field(5000, ge=1)
    # DDL on a partitioned table waits at most this long for its lock (retried next pass).
    retention_lock_timeout_s: float = Field(2.0, gt=0)
    # Daily partitions of meter samples and the frame log are created this many days ahead.
    partitions_ahead_days: int = Field(3, ge=1)
    meter_sample_retention_days: int = Field(30, ge=1)
    command_retention_days: int = Field(90, ge=1)
    security_event_retention_days: int = Field(365, ge=1)
    status_history_retention_days: int = Field(90, ge=1)
    # Longer than Kafka's committed-offset retention (7 days by default): see shared.inbox.
    inbox_retention_days: float = Field(30.0, gt=0)

    # Garbage collection (see app.tune_gc): freeze start-up objects; CPython's default
    # thresholds are (700, 10, 10).
    gc_freeze_after_start: bool = True
    gc_thresholds: tuple[int, int, int] = (50_000, 20, 20)

    # Local development and benchmarks: chargers provisioned (approved) at start.
    seed_file: str | None = None

    # -- limits of the OCPP edge (see the README's "Limits") --------------------------------
    # Refused handshakes per client address (a `limits` rate); beyond it: 429 until the window ends.
    ocpp_handshake_refusals: str = "30/minute"
    # Live connections per client address; 0 = no cap (chargers behind one NAT or proxy).
    ocpp_max_connections_per_address: int = 0
    # At most one security event per source (address or charger) and kind in this interval.
    ocpp_security_event_interval_s: float = 60.0
    # Items waiting in each shared write batch (credentials, connects, statuses, boots).
    ocpp_batch_queue_max: int = 100_000
    # Buffered meter samples of the replica; beyond it samples are written at once.
    ocpp_sample_buffer_max: int = 200_000
    # Buffered frame-log rows of the replica, in bytes; beyond it rows are dropped and counted.
    ocpp_frame_buffer_max_bytes: int = 64 * 1024 * 1024
    # Items of any list in one OCPP payload (OccurrenceConstraintViolation beyond it).
    ocpp_max_list_items: int = 1000
    # Answers (CALLRESULT/CALLERROR) of one connection waiting to be read by a command.
    ocpp_response_queue_max: int = 8

    @model_validator(mode="after")
    def _client_ca_needs_tls(self) -> Settings:
        if self.ocpp_tls_client_ca_file and not (
            self.ocpp_tls_cert_file and self.ocpp_tls_key_file
        ):
            raise ValueError(
                "ocpp_tls_client_ca_file needs ocpp_tls_cert_file and ocpp_tls_key_file"
            )
        return self
