"""Kafka clients with the platform's guarantees: acks=all + idempotence; manual commits.

How to reach the brokers beyond their address comes from the environment, the same for every
client of a process: locally PLAINTEXT; in a cluster TLS and SCRAM (`LADDA_KAFKA_SECURITY_PROTOCOL=
SASL_SSL`, `LADDA_KAFKA_SASL_MECHANISM`, `LADDA_KAFKA_SASL_USERNAME`, `LADDA_KAFKA_SASL_PASSWORD`,
`LADDA_KAFKA_SSL_CAFILE`; see deploy/README.md).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, Literal

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.helpers import create_ssl_context
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class KafkaSecurity(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LADDA_KAFKA_", extra="ignore")

    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "SCRAM-SHA-512"
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    # The brokers' CA (Strimzi's cluster CA); none: the system's trust store.
    ssl_cafile: str | None = None


@functools.cache
def connection_options() -> dict[str, Any]:
    """The aiokafka keyword arguments for TLS and SASL, from the environment (read once)."""
    security = KafkaSecurity()
    options: dict[str, Any] = {"security_protocol": security.security_protocol}
    if security.security_protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = create_ssl_context(cafile=security.ssl_cafile)
    if security.security_protocol.startswith("SASL"):
        if security.sasl_username is None or security.sasl_password is None:
            raise ValueError("LADDA_KAFKA_SASL_USERNAME and _PASSWORD are needed for SASL")
        options["sasl_mechanism"] = security.sasl_mechanism
        options["sasl_plain_username"] = security.sasl_username
        options["sasl_plain_password"] = security.sasl_password.get_secret_value()
    return options


def create_producer(bootstrap_servers: str, *, client_id: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        request_timeout_ms=15_000,
        compression_type=None,
        **connection_options(),
    )


def create_consumer(
    bootstrap_servers: str, *, topics: Sequence[str], group_id: str, client_id: str
) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap_servers,
        group_id=group_id,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_poll_records=200,
        **connection_options(),
    )
