"""The consumer of analytics: every topic it reads, ingested in batches (ingest/batch.py)."""

from __future__ import annotations

from collections.abc import Sequence

from services.analytics.ingest.batch import BatchConsumer
from services.analytics.settings import Settings
from shared.inbox import EventConsumer
from shared.service import ServiceRuntime


def topics(settings: Settings) -> list[str]:
    return [
        settings.sessions_topic,
        settings.status_topic,
        settings.registry_topic,
        settings.invoices_topic,
        settings.reservations_topic,
        settings.users_topic,
        settings.accounts_topic,
        settings.tickets_topic,
        settings.alerts_topic,
    ]


def build_consumers(runtime: ServiceRuntime) -> Sequence[EventConsumer]:
    assert runtime.pool is not None
    settings = runtime.settings
    assert isinstance(settings, Settings)
    return [
        BatchConsumer(
            name=runtime.consumer_name("read-models"),
            pool=runtime.pool,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            topics=topics(settings),
            batch_size=settings.ingest_batch_size,
            timezone=settings.timezone,
        )
    ]
