"""Batch writers of support tickets (support.tickets.v1) and operations alerts
(operations.alerts.v1): categories, stations and instants, never a ticket's words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from shared.db import Connection
from shared.events.support import TicketEvent


async def upsert_tickets(conn: Connection, tickets: Sequence[tuple[UUID, TicketEvent]]) -> None:
    """(event id, ticket picture), at most one per ticket; the newest picture wins (by its
    `at`, then the event id), whatever arrived first."""
    await conn.execute(
        """insert into tickets (ticket_id, charge_point_id, category, priority, origin, status,
                                created_at, resolved_at, sla_breached, changed_at, event_id)
           select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                                $6::text[], $7::timestamptz[], $8::timestamptz[], $9::bool[],
                                $10::timestamptz[], $11::uuid[])
           on conflict (ticket_id) do update set
               charge_point_id = excluded.charge_point_id, category = excluded.category,
               priority = excluded.priority, origin = excluded.origin, status = excluded.status,
               created_at = excluded.created_at, resolved_at = excluded.resolved_at,
               sla_breached = excluded.sla_breached, changed_at = excluded.changed_at,
               event_id = excluded.event_id
            where (tickets.changed_at, tickets.event_id) < (excluded.changed_at, excluded.event_id)""",
        [t.ticket_id for _, t in tickets],
        [t.charge_point_id for _, t in tickets],
        [t.category for _, t in tickets],
        [t.priority for _, t in tickets],
        [t.origin for _, t in tickets],
        [t.status for _, t in tickets],
        [t.created_at for _, t in tickets],
        [t.resolved_at for _, t in tickets],
        [t.first_response_breached or t.resolution_breached for _, t in tickets],
        [t.at for _, t in tickets],
        [event_id for event_id, _ in tickets],
    )


@dataclass
class AlertFacts:
    """What a batch says of one alert: the earliest instant of each change wins."""

    alert_id: str
    kind: str
    severity: str
    charge_point_id: str | None
    opened_at: datetime | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None

    def seen(self, change: str, at: datetime) -> None:
        current: datetime | None = getattr(self, change)
        setattr(self, change, at if current is None else min(current, at))


async def upsert_alerts(conn: Connection, alerts: Sequence[AlertFacts]) -> None:
    await conn.execute(
        """insert into alerts (alert_id, kind, severity, charge_point_id, opened_at,
                               acknowledged_at, resolved_at)
           select * from unnest($1::text[], $2::text[], $3::text[], $4::text[],
                                $5::timestamptz[], $6::timestamptz[], $7::timestamptz[])
           on conflict (alert_id) do update set
               opened_at = least(alerts.opened_at, excluded.opened_at),
               acknowledged_at = least(alerts.acknowledged_at, excluded.acknowledged_at),
               resolved_at = least(alerts.resolved_at, excluded.resolved_at)""",
        [a.alert_id for a in alerts],
        [a.kind for a in alerts],
        [a.severity for a in alerts],
        [a.charge_point_id for a in alerts],
        [a.opened_at for a in alerts],
        [a.acknowledged_at for a in alerts],
        [a.resolved_at for a in alerts],
    )
