"""Stripe's objects as Ladda reads them: small frozen dataclasses and their parsers.

Parsers accept Stripe's JSON (from an API answer or a webhook); expandable fields may come as
an id or as the expanded object (localstripe expands some that Stripe does not).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SetupIntentInfo:
    id: str
    client_secret: str | None
    status: str
    customer_id: str | None
    payment_method_id: str | None


@dataclass(frozen=True)
class PaymentMethodInfo:
    id: str
    type: str
    customer_id: str | None
    brand: str | None
    last4: str | None
    exp_month: int | None
    exp_year: int | None
    wallet: str | None


@dataclass(frozen=True)
class PaymentIntentInfo:
    id: str
    status: str
    amount: int
    currency: str
    charge_id: str | None
    error_code: str | None
    error_message: str | None
    metadata: dict[str, str]
    # For the payer's Stripe SDK (holds): confirms the intent with a card or wallet.
    client_secret: str | None = None
    payment_method_id: str | None = None


@dataclass(frozen=True)
class RefundInfo:
    id: str
    status: str
    amount: int
    currency: str
    charge_id: str | None


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str
    created: int
    object: dict[str, Any]
    payload: dict[str, Any]


def id_of(value: Any) -> str | None:
    """An expandable field: Stripe sends an id, localstripe sometimes the expanded object."""
    if value is None or isinstance(value, str):
        return value
    return str(value["id"])


def payment_intent_info(obj: Any) -> PaymentIntentInfo:
    error = obj.get("last_payment_error") or {}
    return PaymentIntentInfo(
        id=obj["id"],
        status=obj["status"],
        amount=int(obj["amount"]),
        currency=str(obj["currency"]).upper(),
        charge_id=id_of(obj.get("latest_charge")),
        error_code=error.get("decline_code") or error.get("code"),
        error_message=error.get("message"),
        metadata=dict(obj.get("metadata") or {}),
        client_secret=obj.get("client_secret"),
        payment_method_id=id_of(obj.get("payment_method")),
    )


def payment_method_info(obj: Any) -> PaymentMethodInfo:
    card = obj.get("card") or {}
    wallet = card.get("wallet") or {}
    return PaymentMethodInfo(
        id=obj["id"],
        type=obj["type"],
        customer_id=id_of(obj.get("customer")),
        brand=card.get("brand"),
        last4=card.get("last4"),
        exp_month=card.get("exp_month"),
        exp_year=card.get("exp_year"),
        wallet=wallet.get("type") if wallet else None,
    )
