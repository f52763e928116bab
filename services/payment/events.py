"""Consumers: charging sessions in (session.stopped -> an invoice, once per session)."""

from __future__ import annotations

from collections.abc import Sequence

from services.payment.billing.issuing import bill_session
from services.payment.settings import Settings
from shared.db import Connection
from shared.events.charging import SessionStopped
from shared.events.envelope import Envelope
from shared.inbox import EventConsumer
from shared.service import ServiceRuntime


def build_consumers(runtime: ServiceRuntime, settings: Settings) -> Sequence[EventConsumer]:
    assert runtime.pool is not None

    async def on_session_stopped(conn: Connection, envelope: Envelope) -> None:
        await bill_session(
            conn,
            envelope.payload(SessionStopped),
            settings.default_currency,
            settings.default_vat_rate_bp,
        )

    return [
        EventConsumer(
            name=runtime.consumer_name("sessions"),
            pool=runtime.pool,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            topics=[settings.sessions_topic],
            handlers={SessionStopped.event_type: on_session_stopped},
        )
    ]
