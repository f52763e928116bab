"""What a guest sees: the connector's offer, their hold and link, their session and receipt."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from services.payment.tariffs.schemas import ConnectorPriceOut


class GuestOffer(BaseModel):
    """The page behind a connector's QR code: the price (per kWh first, AFIR) and the hold."""

    charge_point_id: str
    connector_id: int
    price: ConnectorPriceOut
    hold_amount_minor: int
    currency: str
    # POST here (no account, no login) to pay the hold and start.
    start_path: str


class GuestInvoice(BaseModel):
    number: str
    status: str
    currency: str
    subtotal_minor: int
    vat_minor: int
    total_minor: int
    amount_paid_minor: int


class GuestSession(BaseModel):
    status: str
    charge_point_id: str
    connector_id: int
    amount_minor: int
    currency: str
    start_deadline: datetime | None
    # The running session, from its progress events.
    energy_wh: int | None
    power_w: float | None
    captured_minor: int | None
    cancel_reason: str | None
    invoice: GuestInvoice | None


class GuestStart(BaseModel):
    """The hold to confirm with Stripe's SDK, and the guest's capability link.

    `link_token` goes in the `X-Guest-Link` header of the guest routes; the web app keeps it in
    the fragment of the page's address (`/guest#<token>`), which browsers never send to servers.
    """

    hold_id: UUID
    client_secret: str | None
    link_token: str
    link_expires_at: datetime
    follow_path: str
    session: GuestSession
