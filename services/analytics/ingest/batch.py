"""Batched ingestion: a poll's events are written with one multi-row insert per read model,
together with their ids in the inbox, in one transaction; offsets are committed after it.

A re-delivered event (its id already in the inbox) is dropped; an event whose payload does not
validate goes to `dead_letters` at once. If a batch's transaction fails for any other reason
than an outage, its events are applied one transaction each so a single bad event is set aside
without holding back the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from pydantic import ValidationError

from services.analytics.ingest import incidents_repository, people_repository, repository
from services.analytics.ingest.incidents_repository import AlertFacts
from services.analytics.ingest.people_repository import AccountFacts
from shared.db import Connection
from shared.events.booking import RESERVATION_EVENTS, ReservationEvent
from shared.events.chargepoints import (
    ChargePointConnected,
    ChargePointDisconnected,
    ChargePointRegistered,
    ConnectorStatusChanged,
)
from shared.events.charging import SessionStopped
from shared.events.envelope import Envelope, EventPayload
from shared.events.identity import UserDeleted, UserRegistered
from shared.events.operations import AlertAcknowledged, AlertOpened, AlertResolved
from shared.events.payment import (
    InvoiceEvent,
    InvoiceIssued,
    InvoicePaid,
    InvoicePaymentFailed,
    InvoiceRefunded,
    PaymentAccountChanged,
)
from shared.events.support import (
    TicketEvent,
    TicketOpened,
    TicketReplied,
    TicketSlaBreached,
    TicketStatusChanged,
    TicketUpdated,
)
from shared.inbox import _OUTAGES, EventConsumer

log = structlog.get_logger(__name__)

# The event types analytics reads, and their payload models.
_MODELS: tuple[type[EventPayload], ...] = (
    SessionStopped,
    ConnectorStatusChanged,
    ChargePointConnected,
    ChargePointDisconnected,
    ChargePointRegistered,
    InvoiceIssued,
    InvoicePaid,
    InvoicePaymentFailed,
    InvoiceRefunded,
    *RESERVATION_EVENTS,
    UserRegistered,
    UserDeleted,
    PaymentAccountChanged,
    TicketOpened,
    TicketUpdated,
    TicketStatusChanged,
    TicketReplied,
    TicketSlaBreached,
    AlertOpened,
    AlertAcknowledged,
    AlertResolved,
)
# Which instant of an alert each of its events sets.
_ALERT_CHANGES = {
    AlertOpened.event_type: "opened_at",
    AlertAcknowledged.event_type: "acknowledged_at",
    AlertResolved.event_type: "resolved_at",
}
INGESTED: dict[str, type[EventPayload]] = {model.event_type: model for model in _MODELS}

Event = tuple[Envelope, EventPayload]


@dataclass
class Rows:
    """A batch's new events, sorted into the read models' rows."""

    stops: list[SessionStopped] = field(default_factory=list)
    statuses: list[tuple[UUID, ConnectorStatusChanged]] = field(default_factory=list)
    links: list[tuple[UUID, str, bool, object]] = field(default_factory=list)
    invoices: list[tuple[UUID, InvoiceEvent]] = field(default_factory=list)
    registry: dict[str, tuple[datetime, ChargePointRegistered]] = field(default_factory=dict)
    reservations: list[tuple[UUID, ReservationEvent]] = field(default_factory=list)
    accounts: dict[str, AccountFacts] = field(default_factory=dict)
    standings: list[tuple[UUID, str, bool, datetime]] = field(default_factory=list)
    tickets: dict[str, tuple[UUID, TicketEvent]] = field(default_factory=dict)
    alerts: dict[str, AlertFacts] = field(default_factory=dict)

    def add(self, envelope: Envelope, payload: EventPayload) -> None:
        if isinstance(payload, SessionStopped):
            self.stops.append(payload)
        elif isinstance(payload, ConnectorStatusChanged):
            self.statuses.append((envelope.id, payload))
        elif isinstance(payload, ChargePointConnected | ChargePointDisconnected):
            online = isinstance(payload, ChargePointConnected)
            self.links.append((envelope.id, payload.charge_point_id, online, payload.at))
        elif isinstance(payload, InvoiceEvent):
            self.invoices.append((envelope.id, payload))
        elif isinstance(payload, ReservationEvent):
            self.reservations.append((envelope.id, payload))
        elif isinstance(payload, ChargePointRegistered):
            known = self.registry.get(payload.charge_point_id)
            if known is None or known[0] <= envelope.time:
                self.registry[payload.charge_point_id] = (envelope.time, payload)
        else:
            self._add_other(envelope, payload)

    def _add_other(self, envelope: Envelope, payload: EventPayload) -> None:
        """Accounts, standings, tickets and alerts; reduced to one row per entity here, since
        one multi-row upsert cannot touch a row twice."""
        if isinstance(payload, UserRegistered | UserDeleted):
            # These events carry no time of their own: the envelope's (set once, at the source).
            account = self.accounts.setdefault(payload.user_id, AccountFacts(payload.user_id))
            if isinstance(payload, UserRegistered):
                account.registered(envelope.time, "driver" in payload.roles)
            else:
                account.deleted(envelope.time)
        elif isinstance(payload, PaymentAccountChanged):
            self.standings.append(
                (envelope.id, payload.user_id, payload.subscription_active, envelope.time)
            )
        elif isinstance(payload, TicketEvent):
            known = self.tickets.get(payload.ticket_id)
            if known is None or (known[1].at, known[0]) < (payload.at, envelope.id):
                self.tickets[payload.ticket_id] = (envelope.id, payload)
        elif isinstance(payload, AlertOpened | AlertAcknowledged | AlertResolved):
            alert = self.alerts.setdefault(
                payload.alert_id,
                AlertFacts(
                    payload.alert_id, payload.kind, payload.severity, payload.charge_point_id
                ),
            )
            alert.seen(_ALERT_CHANGES[payload.event_type], payload.at)


# A registry change (e.g. more connectors) changes every day of the charge point.
_ALL_DAYS = date(2000, 1, 1)


def stale_days(rows: Rows, tz: ZoneInfo) -> dict[str, date]:
    """The earliest local day each charge point's facts of this batch change, per charge point."""
    found: dict[str, date] = {}

    def touch(cp: str, at: datetime) -> None:
        day = at.astimezone(tz).date()
        found[cp] = min(found.get(cp, day), day)

    for stop in rows.stops:
        touch(stop.charge_point_id, stop.started_at)
    for _, status in rows.statuses:
        touch(status.charge_point_id, status.at)
    for _, cp, _, at in rows.links:
        assert isinstance(at, datetime)
        touch(cp, at)
    for _, reservation in rows.reservations:
        touch(reservation.charge_point_id, reservation.starts_at)
    for cp in rows.registry:
        found[cp] = _ALL_DAYS
    return found


async def apply(conn: Connection, consumer: str, events: Sequence[Event], timezone: str) -> int:
    """Writes the events not seen before (in the caller's transaction); how many were new."""
    fresh = await repository.record_processed(conn, consumer, [e.id for e, _ in events])
    rows = Rows()
    for envelope, payload in events:
        if envelope.id in fresh:
            rows.add(envelope, payload)
    if rows.stops:
        await repository.insert_sessions(conn, rows.stops)
    if rows.statuses:
        await repository.insert_statuses(conn, rows.statuses)
    if rows.links:
        await repository.insert_links(conn, rows.links)
    if rows.invoices:
        await repository.insert_invoice_events(conn, rows.invoices)
    if rows.registry:
        await repository.upsert_charge_points(conn, list(rows.registry.values()))
    if rows.reservations:
        await repository.insert_reservation_events(conn, rows.reservations)
    if rows.accounts:
        await people_repository.upsert_users(conn, sorted(rows.accounts.values(), key=_user_id))
    if rows.standings:
        await people_repository.insert_standings(conn, rows.standings)
    if rows.tickets:
        await incidents_repository.upsert_tickets(
            conn, [rows.tickets[k] for k in sorted(rows.tickets)]
        )
    if rows.alerts:
        await incidents_repository.upsert_alerts(
            conn, [rows.alerts[k] for k in sorted(rows.alerts)]
        )
    days = stale_days(rows, ZoneInfo(timezone))
    invoiced = [i.session_id for _, i in rows.invoices if i.session_id is not None]
    if days or invoiced:
        await repository.mark_stale(conn, days, invoiced, timezone)
    return len(fresh)


def _user_id(account: AccountFacts) -> str:
    return account.user_id


class BatchConsumer(EventConsumer):
    """The shared consumer's group handling and dead letters, with a batched `_consume`."""

    def __init__(
        self,
        *,
        name: str,
        pool: asyncpg.Pool,
        bootstrap_servers: str,
        topics: Sequence[str],
        batch_size: int,
        timezone: str,
    ) -> None:
        super().__init__(
            name=name, pool=pool, bootstrap_servers=bootstrap_servers, topics=topics, handlers={}
        )
        self._batch_size = batch_size
        self._timezone = timezone

    async def _consume(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            batch = await consumer.getmany(timeout_ms=1000, max_records=self._batch_size)
            if not batch:
                continue
            await self.ingest([record for records in batch.values() for record in records])
            await self.commit(
                consumer, {tp: records[-1].offset + 1 for tp, records in batch.items()}
            )

    async def ingest(self, records: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        events: dict[UUID, Event] = {}
        sources: dict[UUID, ConsumerRecord[bytes, bytes]] = {}
        for record in records:
            try:
                envelope = Envelope.from_bytes(record.value or b"")
            except ValidationError as exc:
                await self._dead_letter(record, None, f"not an event envelope: {exc}")
                continue
            model = INGESTED.get(envelope.type)
            if model is None or envelope.id in events:
                continue
            try:
                events[envelope.id] = (envelope, envelope.payload(model))
                sources[envelope.id] = record
            except ValidationError as exc:
                await self._dead_letter(record, envelope, repr(exc))
        if events:
            await self._write(list(events.values()), sources)

    async def _write(
        self, events: list[Event], sources: dict[UUID, ConsumerRecord[bytes, bytes]]
    ) -> None:
        while True:
            try:
                async with self._pool.acquire() as conn, conn.transaction():
                    fresh = await apply(conn, self.name, events, self._timezone)
                self.applied += fresh
                self.duplicates += len(events) - fresh
                return
            except asyncio.CancelledError:
                raise
            except _OUTAGES as exc:
                log.warning("consumer.database_unavailable", consumer=self.name, error=repr(exc))
                await asyncio.sleep(1)
            except Exception as exc:
                log.error("analytics.batch_failed", consumer=self.name, error=repr(exc))
                for event in events:
                    await self._write_one(event, sources[event[0].id])
                return

    async def _write_one(self, event: Event, record: ConsumerRecord[bytes, bytes]) -> None:
        while True:
            try:
                async with self._pool.acquire() as conn, conn.transaction():
                    self.applied += await apply(conn, self.name, [event], self._timezone)
                return
            except asyncio.CancelledError:
                raise
            except _OUTAGES as exc:
                log.warning("consumer.database_unavailable", consumer=self.name, error=repr(exc))
                await asyncio.sleep(1)
            except Exception as exc:
                await self._dead_letter(record, event[0], repr(exc))
                return
