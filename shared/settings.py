"""Settings base: every service reads its own `LADDA_<SERVICE>_*` variables plus the platform's."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _platform(name: str) -> AliasChoices:
    """Platform-wide values (Kafka, JWT, logging) use one unprefixed-by-service name."""
    return AliasChoices(f"LADDA_{name}")


class ServiceSettings(BaseSettings):
    """Subclasses set `model_config = SettingsConfigDict(env_prefix="LADDA_<SERVICE>_")`."""

    # populate_by_name: tests and tools may pass platform-wide values by field name too.
    model_config = SettingsConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    host: str = "127.0.0.1"
    port: int = 8000
    database_url: SecretStr
    db_pool_min_size: int = 1
    db_pool_max_size: int = 10
    # A request (or job) that has not got a pooled connection after this long is answered 503
    # instead of waiting on; connections are granted in arrival order (shared/service.py).
    db_acquire_timeout_s: float = Field(30.0, gt=0)

    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092", validation_alias=_platform("KAFKA_BOOTSTRAP_SERVERS")
    )
    jwks_url: str = Field(
        "http://127.0.0.1:8102/.well-known/jwks.json", validation_alias=_platform("JWKS_URL")
    )
    jwt_issuer: str = Field("ladda-identity", validation_alias=_platform("JWT_ISSUER"))
    jwt_audience: str = Field("ladda", validation_alias=_platform("JWT_AUDIENCE"))
    # Clock skew tolerated on a token's `nbf`/`iat`; the JWKS is refetched when this old.
    jwt_leeway_s: int = Field(30, ge=0, le=300, validation_alias=_platform("JWT_LEEWAY_S"))
    jwks_ttl_s: float = Field(300.0, gt=0, validation_alias=_platform("JWKS_TTL_S"))
    log_level: str = Field("INFO", validation_alias=_platform("LOG_LEVEL"))
    log_format: str = Field("json", validation_alias=_platform("LOG_FORMAT"))
    # Tests give each run its own Kafka consumer groups (and inbox names) with a suffix.
    consumer_group_suffix: str = ""
