"""Events of the payment service that other services act on."""

from __future__ import annotations

from typing import ClassVar

from shared.events.envelope import EventPayload
from shared.events.topics import PAYMENT_ACCOUNTS, Topic


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
