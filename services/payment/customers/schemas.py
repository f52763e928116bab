"""Request and response models of customers and payment methods."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class SetupIntentOut(BaseModel):
    """What the app hands to Stripe's SDK to collect and save a card or wallet."""

    setup_intent_id: str
    client_secret: str
    status: str


class SetupIntentComplete(BaseModel):
    setup_intent_id: str = Field(min_length=1, max_length=255)


class PaymentMethodOut(BaseModel):
    id: str
    type: str
    brand: str | None
    last4: str | None
    exp_month: int | None
    exp_year: int | None
    wallet: str | None = Field(description="apple_pay or google_pay for a wallet, else null")
    is_default: bool
    created_at: datetime


class StandingOut(BaseModel):
    user_id: str
    has_payment_method: bool
    subscription_active: bool
    has_overdue_invoice: bool
