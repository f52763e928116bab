"""Consumers: charging sessions in (session.stopped -> an invoice, once per session)."""

from __future__ import annotations

from collections.abc import Sequence

from services.payment.billing.issuing import bill_session
from services.payment.holds import sessions as holds
from services.payment.holds.service import CARD
from services.payment.settings import Settings
from shared.db import Connection
from shared.events.charging import SessionStarted, SessionStopped, SessionUpdated
from shared.events.envelope import Envelope
from shared.inbox import EventConsumer
from shared.service import ServiceRuntime


def build_consumers(runtime: ServiceRuntime, settings: Settings) -> Sequence[EventConsumer]:
    assert runtime.pool is not None

    async def on_session_stopped(conn: Connection, envelope: Envelope) -> None:
        stopped = envelope.payload(SessionStopped)
        hold = await holds.hold_for_stop(conn, stopped)
        if hold is not None:  # the app start's driver (or guest) is billed
            stopped = stopped.model_copy(update={"user_id": hold["user_id"]})
        invoice = await bill_session(
            conn,
            stopped,
            settings.default_currency,
            settings.default_vat_rate_bp,
            # A hold pays its invoice; a start with the saved card is charged like RFID.
            prepaid=hold is not None and hold["kind"] != CARD,
        )
        if hold is not None and invoice is not None:
            await holds.settle_on_stop(conn, hold, stopped, invoice, settings)

    async def on_session_started(conn: Connection, envelope: Envelope) -> None:
        await holds.on_session_started(conn, envelope.payload(SessionStarted))

    async def on_session_updated(conn: Connection, envelope: Envelope) -> None:
        await holds.on_session_updated(conn, envelope.payload(SessionUpdated), settings)

    return [
        EventConsumer(
            name=runtime.consumer_name("sessions"),
            pool=runtime.pool,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            topics=[settings.sessions_topic],
            handlers={
                SessionStopped.event_type: on_session_stopped,
                SessionStarted.event_type: on_session_started,
                SessionUpdated.event_type: on_session_updated,
            },
        )
    ]
