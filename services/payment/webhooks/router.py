"""`POST /v1/stripe/webhook`: public (Stripe signs it); a bad or stale signature is a 400."""

from __future__ import annotations

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel

from services.payment.deps import Payments
from services.payment.webhooks import service

router = APIRouter(prefix="/v1/stripe", tags=["stripe webhooks"])


class WebhookAck(BaseModel):
    received: bool
    duplicate: bool


@router.post("/webhook")
async def stripe_webhook(
    request: Request,
    payments: Payments,
    stripe_signature: str | None = Header(default=None, alias="Stripe-Signature"),
) -> WebhookAck:
    payload = await request.body()
    event = payments.stripe.verify_webhook(payload, stripe_signature)
    stored = await service.receive(payments.pool, payments.dispatcher, event)
    return WebhookAck(received=True, duplicate=not stored)
