"""Ticket rows as the two audiences see them: drivers (public messages only) and staff."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg

from services.support.readmodel.schemas import LinkedSummary
from services.support.sla.policy import SlaPolicy, SlaState
from services.support.tickets.schemas import (
    DriverTicket,
    DriverTicketSummary,
    Links,
    MessageOut,
    Sla,
    StaffMessageOut,
    StaffTicket,
    StaffTicketSummary,
)


def sla_state(row: asyncpg.Record) -> SlaState:
    return SlaState(
        elapsed_s=row["sla_elapsed_s"],
        running_since=row["sla_running_since"],
        first_response_at=row["first_response_at"],
        first_response_due_at=row["first_response_due_at"],
        resolution_due_at=row["resolution_due_at"],
        first_response_breached_at=row["first_response_breached_at"],
        resolution_breached_at=row["resolution_breached_at"],
    )


def sla_columns(state: SlaState) -> dict[str, object]:
    return {
        "sla_elapsed_s": state.elapsed_s,
        "sla_running_since": state.running_since,
        "first_response_at": state.first_response_at,
        "first_response_due_at": state.first_response_due_at,
        "resolution_due_at": state.resolution_due_at,
        "first_response_breached_at": state.first_response_breached_at,
        "resolution_breached_at": state.resolution_breached_at,
    }


def _links(row: asyncpg.Record) -> Links:
    return Links(
        session_id=row["session_id"],
        charge_point_id=row["charge_point_id"],
        reservation_id=row["reservation_id"],
        invoice_id=row["invoice_id"],
    )


def reopenable_until(row: asyncpg.Record, window_days: int) -> datetime | None:
    if row["status"] not in ("resolved", "closed") or row["resolved_at"] is None:
        return None
    until: datetime = row["resolved_at"] + timedelta(days=window_days)
    return until


def driver_summary(row: asyncpg.Record, window_days: int) -> DriverTicketSummary:
    return DriverTicketSummary(
        id=str(row["id"]),
        category=row["category"],
        status=row["status"],
        subject=row["subject"],
        origin=row["origin"],
        links=_links(row),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        resolved_at=row["resolved_at"],
        reopenable_until=reopenable_until(row, window_days),
    )


def driver_ticket(
    row: asyncpg.Record, messages: list[asyncpg.Record], window_days: int
) -> DriverTicket:
    """Only public messages reach here (the repository filters); checked again, cheaply."""
    return DriverTicket(
        **driver_summary(row, window_days).model_dump(),
        description=row["description"],
        messages=[
            MessageOut(
                id=str(m["id"]),
                author_kind=m["author_kind"],
                body=m["body"],
                created_at=m["created_at"],
            )
            for m in messages
            if m["visibility"] == "public"
        ],
    )


def staff_summary(row: asyncpg.Record, policy: SlaPolicy, now: datetime) -> StaffTicketSummary:
    state = policy.mark_breaches(sla_state(row), now)
    first = state.first_response_breached_at is not None
    resolution = state.resolution_breached_at is not None
    return StaffTicketSummary(
        id=str(row["id"]),
        driver_id=row["driver_id"],
        category=row["category"],
        priority=row["priority"],
        status=row["status"],
        subject=row["subject"],
        origin=row["origin"],
        assignee=row["assignee"],
        links=_links(row),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        resolved_at=row["resolved_at"],
        closed_at=row["closed_at"],
        breached=first or resolution,
        sla=Sla(
            paused=row["status"] == "pending",
            elapsed_business_s=round(policy.elapsed(state, now), 3),
            first_response_at=state.first_response_at,
            first_response_due_at=state.first_response_due_at,
            resolution_due_at=state.resolution_due_at,
            first_response_breached=first,
            resolution_breached=resolution,
        ),
    )


def staff_ticket(
    row: asyncpg.Record,
    messages: list[asyncpg.Record],
    linked: LinkedSummary,
    policy: SlaPolicy,
    now: datetime,
) -> StaffTicket:
    return StaffTicket(
        **staff_summary(row, policy, now).model_dump(),
        description=row["description"],
        messages=[
            StaffMessageOut(
                id=str(m["id"]),
                author=m["author"],
                author_kind=m["author_kind"],
                visibility=m["visibility"],
                body=m["body"],
                created_at=m["created_at"],
            )
            for m in messages
        ],
        linked=linked,
    )
