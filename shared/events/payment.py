"""Events of the payment service that other services act on."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from shared.events.envelope import EventPayload
from shared.events.topics import PAYMENT_ACCOUNTS, PAYMENT_HOLDS, PAYMENT_INVOICES, Topic


class PaymentAccountChanged(EventPayload):
    """A driver's payment standing, keyed by user id (compacted topic).

    Identity's authorisation decision needs a usable payment method or an active subscription,
    and no overdue unpaid invoice.
    """

    event_type: ClassVar[str] = "payment-account.changed"
    topic: ClassVar[Topic] = PAYMENT_ACCOUNTS

    user_id: str
    has_payment_method: bool
    subscription_active: bool
    has_overdue_invoice: bool


class InvoiceEvent(EventPayload):
    """What every invoice event says about the invoice (keyed by invoice id).

    Amounts are integer minor units of `currency`; `user_id` is null for sessions of unknown
    drivers (priced and recorded, never charged).
    """

    topic: ClassVar[Topic] = PAYMENT_INVOICES

    invoice_id: str
    number: str
    user_id: str | None
    session_id: str | None
    charge_point_id: str | None
    currency: str
    subtotal_minor: int
    vat_minor: int
    total_minor: int
    # open | paid | recorded | void
    status: str
    amount_paid_minor: int
    amount_refunded_minor: int
    at: datetime


class InvoiceIssued(InvoiceEvent):
    event_type: ClassVar[str] = "invoice.issued"


class InvoicePaid(InvoiceEvent):
    event_type: ClassVar[str] = "invoice.paid"

    payment_id: str | None = None


class InvoicePaymentFailed(InvoiceEvent):
    """An attempt to charge failed; the invoice stays open and the driver owes it."""

    event_type: ClassVar[str] = "invoice.payment_failed"

    failure_code: str
    failed_attempts: int
    next_attempt_at: datetime | None


class InvoiceRefunded(InvoiceEvent):
    event_type: ClassVar[str] = "invoice.refunded"

    refund_amount_minor: int
    reason: str | None


class HoldAuthorized(EventPayload):
    """A pre-authorised payment stands behind a one-time id-token (keyed by hold id).

    Identity answers with an Accepted decision for `id_token`, restricted to the connector,
    for one transaction, until `expires_at`. `user_id` is null for a guest (no account).
    """

    event_type: ClassVar[str] = "hold.authorized"
    topic: ClassVar[Topic] = PAYMENT_HOLDS

    hold_id: str
    id_token: str
    user_id: str | None
    charge_point_id: str
    connector_id: int
    expires_at: datetime


class HoldClosed(EventPayload):
    """The hold (or start with the saved card) is over: its id-token must no longer start
    anything."""

    event_type: ClassVar[str] = "hold.closed"
    topic: ClassVar[Topic] = PAYMENT_HOLDS

    hold_id: str
    id_token: str
    # captured | released (holds) | billed (a start with the saved card, at its stop)
    outcome: str
    reason: str | None = None


class SubscriptionRenewed(EventPayload):
    """A subscription's period was paid and renewed (keyed by subscription id)."""

    event_type: ClassVar[str] = "subscription.renewed"
    topic: ClassVar[Topic] = PAYMENT_INVOICES

    subscription_id: str
    user_id: str
    plan_name: str
    currency: str
    amount_minor: int
    period_end: datetime
    at: datetime


class SubscriptionPastDue(EventPayload):
    """Renewing a subscription failed: the driver should update their card before
    `next_attempt_at` (keyed by subscription id)."""

    event_type: ClassVar[str] = "subscription.past-due"
    topic: ClassVar[Topic] = PAYMENT_INVOICES

    subscription_id: str
    user_id: str
    plan_name: str
    currency: str
    amount_minor: int
    next_attempt_at: datetime | None = None
    at: datetime
