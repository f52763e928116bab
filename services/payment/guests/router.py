"""Guests (no account): `/c/{chargePointId}/{connector}` (a connector's printed QR code) and
`/v1/guest/...`, public behind the gateway; a guest's own hold is reached only through its
capability link, sent in the `X-Guest-Link` header (never in a URL, so never in a log)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Header, Path, Response, status
from pydantic import SecretStr

from services.payment.deps import Payments
from services.payment.guests import links
from services.payment.guests.schemas import (
    GuestInvoice,
    GuestOffer,
    GuestSession,
    GuestStart,
)
from services.payment.holds import repository, service
from services.payment.holds.router import Worker
from services.payment.invoices import repository as invoices
from services.payment.invoices import service as invoice_service
from services.payment.invoices.receipt import render_receipt
from services.payment.tariffs import service as tariffs
from shared.db import Connection
from shared.problems import NotFound, Unavailable
from shared.service import DbConn

qr = APIRouter(tags=["guests"])
router = APIRouter(prefix="/v1/guest", tags=["guests"])
ChargePointId = Annotated[str, Path(min_length=1, max_length=64)]
ConnectorId = Annotated[int, Path(ge=1, le=999)]


def link_secret(payments: Payments) -> SecretStr:
    secret = payments.settings.guest_link_secret
    if secret is None:
        raise Unavailable("Guest charging is not configured on this network.")
    return secret


LinkSecret = Annotated[SecretStr, Depends(link_secret)]


def guest_hold_id(secret: LinkSecret, x_guest_link: Annotated[str, Header(max_length=200)]) -> UUID:
    return links.verify(x_guest_link, secret)


GuestHold = Annotated[UUID, Depends(guest_hold_id)]
# Every route reached through a capability link answers 401 when the link is missing, forged or
# expired (the gateway lets these routes through without a token: the link is the credential).
LINK_RESPONSES: dict[int | str, dict[str, str]] = {
    401: {"description": "The guest link is missing, invalid or expired."}
}


async def _guest_hold(
    conn: Connection, hold_id: UUID, *, for_update: bool = False
) -> asyncpg.Record:
    row = await repository.get(conn, hold_id, for_update=for_update)
    if row is None or row["kind"] != "guest":
        raise NotFound("No such session.")
    return row


async def _session_out(conn: Connection, hold: asyncpg.Record) -> GuestSession:
    invoice = None
    if hold["invoice_id"] is not None:
        row = await invoices.get_invoice(conn, hold["invoice_id"])
        if row is not None:
            invoice = GuestInvoice(**{name: row[name] for name in GuestInvoice.model_fields})
    return GuestSession(
        **{name: hold[name] for name in GuestSession.model_fields if name != "invoice"},
        invoice=invoice,
    )


@qr.get("/c/{charge_point_id}/{connector_id}")
async def connector_offer(
    charge_point_id: ChargePointId, connector_id: ConnectorId, conn: DbConn, payments: Payments
) -> GuestOffer:
    """The stable address printed as a QR code on each connector: what charging here costs."""
    await service.check_connector(conn, charge_point_id, connector_id)
    price = await tariffs.price_for_connector(conn, charge_point_id, connector_id)
    return GuestOffer(
        charge_point_id=charge_point_id,
        connector_id=connector_id,
        price=price,
        hold_amount_minor=payments.settings.hold_amount_minor,
        currency=price.currency,
        start_path=f"/v1/guest/connectors/{charge_point_id}/{connector_id}/holds",
    )


@router.post(
    "/connectors/{charge_point_id}/{connector_id}/holds", status_code=status.HTTP_201_CREATED
)
async def start_as_guest(
    charge_point_id: ChargePointId,
    connector_id: ConnectorId,
    payments: Payments,
    worker: Worker,
    secret: LinkSecret,
) -> GuestStart:
    """Pay a hold by card or wallet (confirm `client_secret` with Stripe's SDK); the session
    starts once Stripe authorises it. No account is created."""
    hold = await worker.open(
        kind="guest", user_id=None, cp_id=charge_point_id, connector_id=connector_id
    )
    token, expires = links.issue(hold["id"], secret, payments.settings.guest_link_ttl_s)
    async with payments.pool.acquire() as conn:
        session = await _session_out(conn, hold)
    return GuestStart(
        hold_id=hold["id"],
        client_secret=hold["client_secret"],
        link_token=token,
        link_expires_at=expires,
        follow_path=f"/guest#{token}",
        session=session,
    )


@router.get("/session", responses=LINK_RESPONSES)
async def follow(hold_id: GuestHold, conn: DbConn) -> GuestSession:
    return await _session_out(conn, await _guest_hold(conn, hold_id))


@router.post("/session/confirmation", responses=LINK_RESPONSES)
async def confirmation(hold_id: GuestHold, payments: Payments, worker: Worker) -> GuestSession:
    """The guest confirmed the hold with Stripe's SDK: read it back instead of waiting."""
    async with payments.pool.acquire() as conn:
        await _guest_hold(conn, hold_id)
    await worker.check_payment(hold_id)
    async with payments.pool.acquire() as conn:
        return await _session_out(conn, await _guest_hold(conn, hold_id))


@router.post("/session/stop", responses=LINK_RESPONSES)
async def stop(hold_id: GuestHold, conn: DbConn, payments: Payments) -> GuestSession:
    hold = await _guest_hold(conn, hold_id, for_update=True)
    return await _session_out(conn, await service.request_stop(conn, hold, payments.settings))


@router.get(
    "/session/receipt.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **LINK_RESPONSES},
)
async def receipt(hold_id: GuestHold, conn: DbConn) -> Response:
    hold = await _guest_hold(conn, hold_id)
    row = await invoices.get_invoice(conn, hold["invoice_id"]) if hold["invoice_id"] else None
    if row is None or row["status"] != "paid":
        raise NotFound("The receipt is ready once the session is over and paid.")
    invoice = await invoice_service.detail(conn, row)
    return Response(
        render_receipt(invoice),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{invoice.number}.pdf"'},
    )
