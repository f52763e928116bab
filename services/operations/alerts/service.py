"""Rules of alerts: raising a condition (deduplicated), clearing with a hold-down, operators'
acknowledgement and resolution. Every change of status goes to the outbox in the same
transaction (`operations.alerts.v1`)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from uuid import UUID

import asyncpg
import structlog

from services.operations.alerts import repository
from services.operations.alerts.rules import Condition
from services.operations.alerts.schemas import AlertOut
from shared.db import Connection
from shared.events.operations import AlertAcknowledged, AlertOpened, AlertResolved
from shared.outbox import enqueue
from shared.problems import Conflict, NotFound

log = structlog.get_logger(__name__)
SOURCE = "operations"


def now() -> datetime:
    return datetime.now(UTC)


def to_out(row: asyncpg.Record) -> AlertOut:
    return AlertOut(
        id=str(row["id"]),
        kind=row["kind"],
        severity=row["severity"],
        status=row["status"],
        title=row["title"],
        charge_point_id=row["charge_point_id"],
        connector_id=row["connector_id"],
        site=row["site"],
        details=row["details"],
        occurrences=row["occurrences"],
        opened_at=row["opened_at"],
        last_seen_at=row["last_seen_at"],
        clear_since=row["clear_since"],
        acknowledged_by=row["acknowledged_by"],
        acknowledged_at=row["acknowledged_at"],
        acknowledge_note=row["acknowledge_note"],
        resolved_by=row["resolved_by"],
        resolved_at=row["resolved_at"],
        resolve_note=row["resolve_note"],
        resolved_automatically=row["resolved_automatically"],
    )


P = TypeVar("P", AlertOpened, AlertAcknowledged, AlertResolved)


def _change(model: type[P], alert: AlertOut, **extra: object) -> P:
    return model.model_validate(
        {
            "alert_id": alert.id,
            "kind": alert.kind,
            "severity": alert.severity,
            "status": alert.status,
            "title": alert.title,
            "charge_point_id": alert.charge_point_id,
            "connector_id": alert.connector_id,
            "site": alert.site,
            "details": {**alert.details, "occurrences": alert.occurrences},
            **extra,
        }
    )


async def _publish(
    conn: Connection, alert: AlertOut, payload: AlertOpened | AlertAcknowledged | AlertResolved
) -> None:
    await enqueue(
        conn, payload, source=SOURCE, subject=alert.id, key=alert.charge_point_id or alert.id
    )
    log.info(
        f"operations.{payload.event_type}",
        alert_id=alert.id,
        kind=alert.kind,
        severity=alert.severity,
        charge_point_id=alert.charge_point_id,
    )


async def raise_condition(
    conn: Connection, condition: Condition, *, site: str | None, at: datetime | None = None
) -> tuple[AlertOut, bool]:
    """Open an alert for the condition, or count one more occurrence of its unresolved alert."""
    row, opened = await repository.raise_condition(
        conn,
        alert_id=uuid.uuid4(),
        condition_key=condition.key,
        kind=condition.kind,
        severity=condition.severity,
        title=condition.title,
        charge_point_id=condition.charge_point_id,
        connector_id=condition.connector_id,
        site=site,
        details=condition.details,
        auto_resolve=condition.auto_resolve,
        at=at or now(),
    )
    alert = to_out(row)
    if opened:
        await _publish(conn, alert, _change(AlertOpened, alert, at=alert.opened_at))
    return alert, opened


async def clear(conn: Connection, condition_key: str, at: datetime | None = None) -> bool:
    """The condition is gone: the alert resolves after the hold-down unless it recurs."""
    return await repository.start_clearing(conn, condition_key, at or now())


async def recur(conn: Connection, condition_key: str, at: datetime | None = None) -> bool:
    return await repository.recur(conn, condition_key, at or now())


async def resolve_held_down(conn: Connection, hold_down_s: float) -> list[AlertOut]:
    """Resolve every alert whose condition stayed clear for the hold-down (periodic job)."""
    rows = await repository.resolve_held_down(conn, now() - timedelta(seconds=hold_down_s))
    alerts = [to_out(row) for row in rows]
    for alert in alerts:
        await _publish(
            conn,
            alert,
            _change(AlertResolved, alert, automatically=True, at=alert.resolved_at or now()),
        )
    return alerts


async def resolve_now(conn: Connection, condition_key: str) -> AlertOut | None:
    """Resolve a condition's alert at once (its cause is gone for good, e.g. inspection done)."""
    row = await repository.resolve_condition_now(conn, condition_key)
    if row is None:
        return None
    alert = to_out(row)
    await _publish(
        conn,
        alert,
        _change(AlertResolved, alert, automatically=True, at=alert.resolved_at or now()),
    )
    return alert


def _parse_id(alert_id: str) -> UUID:
    try:
        return UUID(alert_id)
    except ValueError:
        raise NotFound(f"No alert {alert_id}.") from None


async def get(conn: Connection, alert_id: str) -> AlertOut:
    row = await repository.get(conn, _parse_id(alert_id))
    if row is None:
        raise NotFound(f"No alert {alert_id}.")
    return to_out(row)


async def acknowledge(conn: Connection, alert_id: str, by: str, note: str | None) -> AlertOut:
    current = await get(conn, alert_id)
    row = await repository.acknowledge(conn, UUID(current.id), by, note)
    if row is None:
        raise Conflict(f"Alert {alert_id} is {current.status}; only an open alert is acknowledged.")
    alert = to_out(row)
    await _publish(
        conn,
        alert,
        _change(AlertAcknowledged, alert, by=by, note=note, at=alert.acknowledged_at or now()),
    )
    return alert


async def resolve(conn: Connection, alert_id: str, by: str, note: str | None) -> AlertOut:
    current = await get(conn, alert_id)
    row = await repository.resolve(conn, UUID(current.id), by, note)
    if row is None:
        raise Conflict(f"Alert {alert_id} is already resolved.")
    alert = to_out(row)
    await _publish(
        conn,
        alert,
        _change(AlertResolved, alert, by=by, note=note, at=alert.resolved_at or now()),
    )
    return alert


async def search(
    conn: Connection,
    *,
    statuses: list[str] | None,
    severity: str | None,
    kind: str | None,
    charge_point_id: str | None,
    site: str | None,
    limit: int,
    offset: int,
) -> list[AlertOut]:
    rows = await repository.search(
        conn,
        statuses=statuses,
        severity=severity,
        kind=kind,
        charge_point_id=charge_point_id,
        site=site,
        limit=limit,
        offset=offset,
    )
    return [to_out(row) for row in rows]
