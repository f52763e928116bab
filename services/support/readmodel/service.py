"""The read model: keeps what the owners published, checks a driver's links against it, and
summarises a ticket's links for staff. Support never reads another service's database."""

from __future__ import annotations

from services.support.readmodel import repository
from services.support.readmodel.schemas import (
    InvoiceSummary,
    LinkedSummary,
    ReservationSummary,
    SessionSummary,
)
from shared.db import Connection
from shared.problems import NotFound


async def check_links(
    conn: Connection,
    driver_id: str,
    *,
    session_id: str | None,
    charge_point_id: str | None,
    reservation_id: str | None,
    invoice_id: str | None,
) -> str | None:
    """404 for a link to anything that is not the driver's (or unknown: the same answer, so
    nobody learns what exists). Returns the charge point the links imply, if any."""
    implied = charge_point_id
    if session_id is not None:
        session = await repository.session(conn, session_id)
        if session is None or session["user_id"] != driver_id:
            raise NotFound(f"Session {session_id} not found.")
        implied = implied or session["charge_point_id"]
    if reservation_id is not None:
        reservation = await repository.reservation(conn, reservation_id)
        if reservation is None or reservation["user_id"] != driver_id:
            raise NotFound(f"Reservation {reservation_id} not found.")
        implied = implied or reservation["charge_point_id"]
    if invoice_id is not None:
        invoice = await repository.invoice(conn, invoice_id)
        if invoice is None or invoice["user_id"] != driver_id:
            raise NotFound(f"Invoice {invoice_id} not found.")
        implied = implied or invoice["charge_point_id"]
    if charge_point_id is not None and not await repository.charge_point_known(
        conn, charge_point_id
    ):
        raise NotFound(f"Charge point {charge_point_id} not found.")
    return implied


async def summary(
    conn: Connection,
    *,
    session_id: str | None,
    reservation_id: str | None,
    invoice_id: str | None,
) -> LinkedSummary:
    linked = LinkedSummary()
    if session_id is not None and (row := await repository.session(conn, session_id)):
        linked.session = SessionSummary.model_validate(dict(row))
    if reservation_id is not None and (row := await repository.reservation(conn, reservation_id)):
        linked.reservation = ReservationSummary.model_validate(dict(row))
    if invoice_id is not None and (row := await repository.invoice(conn, invoice_id)):
        linked.invoice = InvoiceSummary.model_validate(dict(row))
    return linked
