"""Kafka TLS and SCRAM options come from the environment (a cluster's Strimzi secrets)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import pytest

from shared.kafka import connection_options


@pytest.fixture(autouse=True)
def fresh_options() -> Iterator[None]:
    connection_options.cache_clear()
    yield
    connection_options.cache_clear()


def test_plaintext_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LADDA_KAFKA_SECURITY_PROTOCOL", raising=False)
    assert connection_options() == {"security_protocol": "PLAINTEXT"}


def test_scram_over_tls_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LADDA_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("LADDA_KAFKA_SASL_USERNAME", "payment")
    monkeypatch.setenv("LADDA_KAFKA_SASL_PASSWORD", "scram-password")
    options = connection_options()
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == (
        "payment",
        "scram-password",
    )
    assert isinstance(options["ssl_context"], ssl.SSLContext)


def test_sasl_without_credentials_is_refused_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LADDA_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.delenv("LADDA_KAFKA_SASL_USERNAME", raising=False)
    monkeypatch.delenv("LADDA_KAFKA_SASL_PASSWORD", raising=False)
    with pytest.raises(ValueError, match="SASL"):
        connection_options()
