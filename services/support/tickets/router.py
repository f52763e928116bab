"""REST of tickets: drivers at `/v1/support/tickets` (their own only), staff at
`/v1/support/queue` (everything, with internal notes and the linked summaries)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from services.support.access import AgentPrincipal, DriverPrincipal
from services.support.clock import CurrentClock
from services.support.tickets.schemas import (
    DriverTicket,
    DriverTicketSummary,
    ReopenIn,
    ReplyIn,
    StaffMessageIn,
    StaffTicket,
    StaffTicketSummary,
    StatusIn,
    TicketIn,
    TicketPatch,
)
from services.support.tickets.service import Tickets
from shared.events.support import TicketCategory, TicketPriority, TicketStatus
from shared.service import DbConn


def _tickets(request: Request) -> Tickets:
    tickets: Tickets = request.app.state.tickets
    return tickets


TicketsDep = Annotated[Tickets, Depends(_tickets)]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0)]

drivers = APIRouter(prefix="/v1/support/tickets", tags=["tickets (drivers)"])
staff = APIRouter(prefix="/v1/support/queue", tags=["queue (staff)"])


@drivers.post("", status_code=status.HTTP_201_CREATED)
async def open_ticket(
    body: TicketIn,
    conn: DbConn,
    principal: DriverPrincipal,
    tickets: TicketsDep,
    clock: CurrentClock,
) -> DriverTicket:
    return await tickets.open(conn, principal.subject, body, clock.now())


@drivers.get("")
async def my_tickets(
    conn: DbConn,
    principal: DriverPrincipal,
    tickets: TicketsDep,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[DriverTicketSummary]:
    return await tickets.driver_list(conn, principal.subject, limit, offset)


@drivers.get("/{ticket_id}")
async def my_ticket(
    ticket_id: str, conn: DbConn, principal: DriverPrincipal, tickets: TicketsDep
) -> DriverTicket:
    return await tickets.driver_read(conn, principal.subject, ticket_id)


@drivers.post("/{ticket_id}/messages")
async def reply(
    ticket_id: str,
    body: ReplyIn,
    conn: DbConn,
    principal: DriverPrincipal,
    tickets: TicketsDep,
    clock: CurrentClock,
) -> DriverTicket:
    return await tickets.driver_reply(conn, principal.subject, ticket_id, body.body, clock.now())


@drivers.post("/{ticket_id}/reopen")
async def reopen(
    ticket_id: str,
    body: ReopenIn,
    conn: DbConn,
    principal: DriverPrincipal,
    tickets: TicketsDep,
    clock: CurrentClock,
) -> DriverTicket:
    return await tickets.driver_reopen(conn, principal.subject, ticket_id, body, clock.now())


@staff.get("")
async def queue(
    conn: DbConn,
    _: AgentPrincipal,
    tickets: TicketsDep,
    clock: CurrentClock,
    status: Annotated[list[TicketStatus] | None, Query()] = None,
    category: Annotated[list[TicketCategory] | None, Query()] = None,
    priority: Annotated[list[TicketPriority] | None, Query()] = None,
    assignee: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    unassigned: bool = False,
    breached: bool | None = None,
    driver_id: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=200, description="Full-text search")
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[StaffTicketSummary]:
    return await tickets.queue(
        conn,
        clock.now(),
        statuses=list(status) if status else None,
        categories=list(category) if category else None,
        priorities=list(priority) if priority else None,
        assignee=assignee,
        unassigned=unassigned,
        breached=breached,
        driver_id=driver_id,
        text=q,
        limit=limit,
        offset=offset,
    )


@staff.get("/{ticket_id}")
async def staff_ticket(
    ticket_id: str, conn: DbConn, _: AgentPrincipal, tickets: TicketsDep, clock: CurrentClock
) -> StaffTicket:
    return await tickets.staff_read(conn, ticket_id, clock.now())


@staff.patch("/{ticket_id}")
async def update_ticket(
    ticket_id: str,
    body: TicketPatch,
    conn: DbConn,
    _: AgentPrincipal,
    tickets: TicketsDep,
    clock: CurrentClock,
) -> StaffTicket:
    return await tickets.staff_patch(conn, ticket_id, body, clock.now())


@staff.post("/{ticket_id}/messages")
async def staff_message(
    ticket_id: str,
    body: StaffMessageIn,
    conn: DbConn,
    principal: AgentPrincipal,
    tickets: TicketsDep,
    clock: CurrentClock,
) -> StaffTicket:
    return await tickets.staff_message(conn, ticket_id, principal.subject, body, clock.now())


@staff.post("/{ticket_id}/status")
async def change_status(
    ticket_id: str,
    body: StatusIn,
    conn: DbConn,
    principal: AgentPrincipal,
    tickets: TicketsDep,
    clock: CurrentClock,
) -> StaffTicket:
    return await tickets.staff_status(conn, ticket_id, principal.subject, body, clock.now())
