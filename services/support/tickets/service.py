"""Tickets: drivers open, read, answer and reopen their own; staff work the queue.

Every change and its event are one transaction (the request's). The SLA clock moves with the
status: it runs while open, pauses while pending (waiting on the driver), stops when resolved.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from services.support.readmodel import service as readmodel
from services.support.settings import Settings
from services.support.sla.policy import SlaPolicy
from services.support.tickets import events, repository, views
from services.support.tickets.schemas import (
    DriverTicket,
    DriverTicketSummary,
    ReopenIn,
    StaffMessageIn,
    StaffTicket,
    StaffTicketSummary,
    StatusIn,
    TicketIn,
    TicketPatch,
)
from shared.db import Connection
from shared.events.support import (
    TicketOpened,
    TicketReplied,
    TicketSlaBreached,
    TicketStatusChanged,
    TicketUpdated,
)
from shared.problems import Conflict, NotFound

# Staff status changes: from -> allowed targets (reopen is resolved/closed -> open).
TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"pending", "resolved"}),
    "pending": frozenset({"open", "resolved"}),
    "resolved": frozenset({"open", "closed"}),
    "closed": frozenset({"open"}),
}


class Tickets:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.policy = SlaPolicy(settings)

    # -- creation -----------------------------------------------------------------------------

    async def create(
        self,
        conn: Connection,
        *,
        driver_id: str,
        category: str,
        subject: str,
        description: str,
        now: datetime,
        session_id: str | None = None,
        charge_point_id: str | None = None,
        reservation_id: str | None = None,
        invoice_id: str | None = None,
        automatic_key: str | None = None,
    ) -> asyncpg.Record | None:
        """Insert a ticket and publish it; None if its automatic key already has a ticket."""
        priority = self.settings.default_priorities.get(category, "normal")
        sla = self.policy.start(category, priority, now)
        row = await repository.insert(
            conn,
            {
                "id": uuid4(),
                "driver_id": driver_id,
                "category": category,
                "priority": priority,
                "subject": subject,
                "description": description,
                "session_id": session_id,
                "charge_point_id": charge_point_id,
                "reservation_id": reservation_id,
                "invoice_id": invoice_id,
                "origin": "automatic" if automatic_key else "driver",
                "automatic_key": automatic_key,
                "created_at": now,
                "updated_at": now,
                **views.sla_columns(sla),
            },
        )
        if row is None:
            return None
        await events.publish(conn, TicketOpened, row, now)
        if category == "station_safety":
            await events.safety_reported(conn, row)
        return row

    async def open(
        self, conn: Connection, driver_id: str, body: TicketIn, now: datetime
    ) -> DriverTicket:
        charge_point = await readmodel.check_links(
            conn,
            driver_id,
            session_id=body.session_id,
            charge_point_id=body.charge_point_id,
            reservation_id=body.reservation_id,
            invoice_id=body.invoice_id,
        )
        row = await self.create(
            conn,
            driver_id=driver_id,
            category=body.category,
            subject=body.subject,
            description=body.description,
            now=now,
            session_id=body.session_id,
            charge_point_id=charge_point,
            reservation_id=body.reservation_id,
            invoice_id=body.invoice_id,
        )
        assert row is not None
        return views.driver_ticket(row, [], self.settings.reopen_window_days)

    # -- drivers ------------------------------------------------------------------------------

    async def _drivers(
        self, conn: Connection, driver_id: str, ticket_id: str, *, for_update: bool = False
    ) -> asyncpg.Record:
        """The driver's own ticket; 404 for anyone else's (and for malformed ids)."""
        row = await _get(conn, ticket_id, for_update=for_update)
        if row is None or row["driver_id"] != driver_id:
            raise NotFound(f"Ticket {ticket_id} not found.")
        return row

    async def driver_list(
        self, conn: Connection, driver_id: str, limit: int, offset: int
    ) -> list[DriverTicketSummary]:
        rows = await repository.of_driver(conn, driver_id, limit=limit, offset=offset)
        return [views.driver_summary(r, self.settings.reopen_window_days) for r in rows]

    async def driver_read(self, conn: Connection, driver_id: str, ticket_id: str) -> DriverTicket:
        row = await self._drivers(conn, driver_id, ticket_id)
        messages = await repository.messages(conn, row["id"], public_only=True)
        return views.driver_ticket(row, messages, self.settings.reopen_window_days)

    async def driver_reply(
        self, conn: Connection, driver_id: str, ticket_id: str, body: str, now: datetime
    ) -> DriverTicket:
        row = await self._drivers(conn, driver_id, ticket_id, for_update=True)
        if row["status"] in ("resolved", "closed"):
            raise Conflict(
                "The ticket is resolved; reopen it to continue.", current_status=row["status"]
            )
        row = await self._message(conn, row, driver_id, "driver", "public", body, now)
        if row["status"] == "pending":
            # The driver answered: the ticket is back with the agents, the SLA clock runs.
            row = await self._move(conn, row, "open", driver_id, now)
        return await self.driver_read(conn, driver_id, ticket_id)

    async def driver_reopen(
        self, conn: Connection, driver_id: str, ticket_id: str, body: ReopenIn, now: datetime
    ) -> DriverTicket:
        row = await self._drivers(conn, driver_id, ticket_id, for_update=True)
        until = views.reopenable_until(row, self.settings.reopen_window_days)
        if until is None:
            raise Conflict("Only a resolved or closed ticket can be reopened.")
        if now > until:
            raise Conflict(
                "The reopening period has passed; please open a new ticket.",
                reopenable_until=until.isoformat(),
            )
        if body.message is not None:
            row = await self._message(conn, row, driver_id, "driver", "public", body.message, now)
        await self._move(conn, row, "open", driver_id, now)
        return await self.driver_read(conn, driver_id, ticket_id)

    # -- staff --------------------------------------------------------------------------------

    async def queue(
        self, conn: Connection, now: datetime, **filters: Any
    ) -> list[StaffTicketSummary]:
        rows = await repository.queue(conn, now, **filters)
        return [views.staff_summary(r, self.policy, now) for r in rows]

    async def staff_read(self, conn: Connection, ticket_id: str, now: datetime) -> StaffTicket:
        row = await _get(conn, ticket_id)
        if row is None:
            raise NotFound(f"Ticket {ticket_id} not found.")
        messages = await repository.messages(conn, row["id"], public_only=False)
        linked = await readmodel.summary(
            conn,
            session_id=row["session_id"],
            reservation_id=row["reservation_id"],
            invoice_id=row["invoice_id"],
        )
        return views.staff_ticket(row, messages, linked, self.policy, now)

    async def _staffs(self, conn: Connection, ticket_id: str) -> asyncpg.Record:
        row = await _get(conn, ticket_id, for_update=True)
        if row is None:
            raise NotFound(f"Ticket {ticket_id} not found.")
        return row

    async def staff_message(
        self, conn: Connection, ticket_id: str, author: str, body: StaffMessageIn, now: datetime
    ) -> StaffTicket:
        row = await self._staffs(conn, ticket_id)
        if row["status"] == "closed":
            raise Conflict("The ticket is closed; reopen it first.")
        await self._message(conn, row, author, "staff", body.visibility, body.body, now)
        return await self.staff_read(conn, ticket_id, now)

    async def staff_status(
        self, conn: Connection, ticket_id: str, author: str, body: StatusIn, now: datetime
    ) -> StaffTicket:
        row = await self._staffs(conn, ticket_id)
        if body.status != row["status"]:
            if body.status not in TRANSITIONS[row["status"]]:
                raise Conflict(
                    f"A ticket cannot go from {row['status']} to {body.status}.",
                    current_status=row["status"],
                )
            if body.message is not None:
                row = await self._message(conn, row, author, "staff", "public", body.message, now)
            await self._move(conn, row, body.status, author, now)
        return await self.staff_read(conn, ticket_id, now)

    async def staff_patch(
        self, conn: Connection, ticket_id: str, body: TicketPatch, now: datetime
    ) -> StaffTicket:
        row = await self._staffs(conn, ticket_id)
        sent = body.model_dump(exclude_unset=True)
        changes: dict[str, Any] = {k: v for k, v in sent.items() if v != row[k]}
        for required in ("priority", "category"):
            if required in changes and changes[required] is None:
                del changes[required]
        if changes:
            category = changes.get("category", row["category"])
            priority = changes.get("priority", row["priority"])
            sla = self.policy.retarget(views.sla_state(row), category, priority, now)
            row = await repository.update(
                conn, row["id"], {**changes, **views.sla_columns(sla), "updated_at": now}
            )
            await events.publish(conn, TicketUpdated, row, now)
            if changes.get("category") == "station_safety":
                # Staff recognised a safety problem in the driver's ticket: operations is told
                # as for a report filed as one (it counts each ticket once).
                await events.safety_reported(conn, row)
        return await self.staff_read(conn, ticket_id, now)

    # -- privacy ------------------------------------------------------------------------------

    async def account_deleted(self, conn: Connection, driver_id: str, now: datetime) -> int:
        """Identity deleted the account: its tickets close, their words are dropped."""
        for row in await repository.open_of_driver(conn, driver_id):
            if row["status"] in ("open", "pending"):
                row = await self._move(conn, row, "resolved", "system", now)
            await self._move(conn, row, "closed", "system", now)
        return await repository.anonymise_driver(conn, driver_id, "[account deleted]")

    # -- SLA ----------------------------------------------------------------------------------

    async def flag_breaches(self, conn: Connection, now: datetime) -> int:
        """Flag running deadlines that passed, one `ticket.sla-breached` event each."""
        flagged = 0
        for row in await repository.due_breaches(conn, now):
            after = self.policy.mark_breaches(views.sla_state(row), now)
            updated = await repository.update(conn, row["id"], views.sla_columns(after))
            flagged += await self._breaches_found(conn, row, updated, now)
        return flagged

    async def _breaches_found(
        self, conn: Connection, before: asyncpg.Record, after: asyncpg.Record, now: datetime
    ) -> int:
        """Publish the breaches flagged between two versions of a ticket (by the job, or by a
        change that counted the clock before the job came by)."""
        found = 0
        for target in ("first_response", "resolution"):
            column = f"{target}_breached_at"
            if before[column] is None and after[column] is not None:
                await events.publish(
                    conn, TicketSlaBreached, after, now, target=target, due_at=after[column]
                )
                found += 1
        return found

    # -- closing ------------------------------------------------------------------------------

    async def close_resolved(self, conn: Connection, now: datetime) -> int:
        """Close the tickets resolved `auto_close_after_days` ago or earlier (periodic job),
        each with its `ticket.status-changed` (by `system`), like a close by staff."""
        days = self.settings.auto_close_after_days
        if days <= 0:
            return 0
        rows = await repository.due_closures(conn, now - timedelta(days=days))
        for row in rows:
            await self._move(conn, row, "closed", "system", now)
        return len(rows)

    # -- shared steps -------------------------------------------------------------------------

    async def _message(
        self,
        conn: Connection,
        row: asyncpg.Record,
        author: str,
        author_kind: str,
        visibility: str,
        body: str,
        now: datetime,
    ) -> asyncpg.Record:
        message_id = uuid4()
        await repository.add_message(
            conn,
            message_id=message_id,
            ticket_id=row["id"],
            author=author,
            author_kind=author_kind,
            visibility=visibility,
            body=body,
            at=now,
        )
        if visibility == "internal":
            # Staff only: no event, no SLA effect.
            return await _reload(conn, row["id"])
        if author_kind == "staff":
            sla = self.policy.responded(views.sla_state(row), now)
            before, row = row, await repository.update(conn, row["id"], views.sla_columns(sla))
            await self._breaches_found(conn, before, row, now)
        else:
            row = await _reload(conn, row["id"])
        await events.publish(
            conn,
            TicketReplied,
            row,
            now,
            message_id=str(message_id),
            author_kind=author_kind,
        )
        return row

    async def _move(
        self, conn: Connection, row: asyncpg.Record, status: str, by: str, now: datetime
    ) -> asyncpg.Record:
        previous = row["status"]
        state = views.sla_state(row)
        changes: dict[str, Any] = {"status": status, "updated_at": now}
        if status in ("pending", "resolved"):
            state = self.policy.stop(state, now)
        if status == "resolved":
            changes["resolved_at"] = now
        if status == "closed":
            changes["closed_at"] = now
        if status == "open":
            state = self.policy.resume(state, row["category"], row["priority"], now)
            if previous in ("resolved", "closed"):
                changes.update(resolved_at=None, closed_at=None)
        changes.update(views.sla_columns(state))
        before, row = row, await repository.update(conn, row["id"], changes)
        await self._breaches_found(conn, before, row, now)
        await events.publish(conn, TicketStatusChanged, row, now, previous_status=previous, by=by)
        return row


async def _get(
    conn: Connection, ticket_id: str, *, for_update: bool = False
) -> asyncpg.Record | None:
    try:
        key = UUID(ticket_id)
    except ValueError:
        return None
    return await repository.get(conn, key, for_update=for_update)


async def _reload(conn: Connection, ticket_id: UUID) -> asyncpg.Record:
    row = await repository.get(conn, ticket_id)
    assert row is not None
    return row
