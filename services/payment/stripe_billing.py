"""Stripe Billing: the Products, Plans and Subscriptions that mirror Ladda's subscription plans.

Calls go through `StripeGateway.call` (timeouts, retries, domain errors); every write carries an
idempotency key derived from the Ladda object it mirrors. Plans rather than Prices: a Plan is
the Price API's predecessor, still accepted by Stripe wherever a Price is (a Plan id is a Price
id), and it is what Stripe-compatible test servers such as localstripe implement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.payment.stripe_gateway import StripeGateway


@dataclass(frozen=True)
class SubscriptionInfo:
    id: str
    status: str
    customer_id: str | None
    plan_id: str | None
    item_id: str | None
    cancel_at_period_end: bool
    current_period_start: datetime | None
    current_period_end: datetime | None
    metadata: dict[str, str]


def _time(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if value else None


def _id(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return str(value["id"])


def subscription_info(obj: dict[str, Any]) -> SubscriptionInfo:
    items = (obj.get("items") or {}).get("data") or []
    item = items[0] if items else {}
    plan = item.get("plan") or item.get("price") or obj.get("plan")
    return SubscriptionInfo(
        id=str(obj["id"]),
        status=str(obj["status"]),
        customer_id=_id(obj.get("customer")),
        plan_id=_id(plan),
        item_id=item.get("id"),
        cancel_at_period_end=bool(obj.get("cancel_at_period_end")),
        current_period_start=_time(
            obj.get("current_period_start") or item.get("current_period_start")
        ),
        current_period_end=_time(obj.get("current_period_end") or item.get("current_period_end")),
        metadata=dict(obj.get("metadata") or {}),
    )


class StripeBilling:
    def __init__(self, gateway: StripeGateway) -> None:
        self._gateway = gateway

    async def create_plan(
        self, *, plan_id: str, name: str, amount: int, currency: str
    ) -> tuple[str, str]:
        """A Product and its monthly Plan; returns their ids."""
        product = await self._gateway.call(
            "products.create",
            lambda c: c.v1.products.create_async(
                params={"name": name, "metadata": {"ladda_plan_id": plan_id}},
                options={"idempotency_key": f"product:{plan_id}"},
            ),
        )
        plan = await self._gateway.call(
            "plans.create",
            lambda c: c.v1.plans.create_async(
                params={
                    "product": str(product["id"]),
                    "amount": amount,
                    "currency": currency.lower(),
                    "interval": "month",
                    "metadata": {"ladda_plan_id": plan_id},
                },
                options={"idempotency_key": f"plan:{plan_id}"},
            ),
        )
        return str(product["id"]), str(plan["id"])

    async def set_invoice_payment_method(self, customer_id: str, payment_method_id: str) -> None:
        """Subscription invoices are paid with the driver's default saved method."""
        await self._gateway.call(
            "customers.update",
            lambda c: c.v1.customers.update_async(
                customer_id,
                params={"invoice_settings": {"default_payment_method": payment_method_id}},
                options={"idempotency_key": f"invoice-method:{customer_id}:{payment_method_id}"},
            ),
        )

    async def subscribe(
        self, *, key: str, customer_id: str, plan_id: str, metadata: dict[str, str]
    ) -> SubscriptionInfo:
        obj = await self._gateway.call(
            "subscriptions.create",
            lambda c: c.v1.subscriptions.create_async(
                params={
                    "customer": customer_id,
                    "items": [{"plan": plan_id}],
                    "metadata": metadata,
                },
                options={"idempotency_key": f"subscription:{key}"},
            ),
        )
        return subscription_info(obj)

    async def change_plan(
        self, subscription_id: str, item_id: str, plan_id: str
    ) -> SubscriptionInfo:
        obj = await self._gateway.call(
            "subscriptions.update",
            lambda c: c.v1.subscriptions.update_async(
                subscription_id,
                params={"items": [{"id": item_id, "plan": plan_id}]},
                options={"idempotency_key": f"subscription-plan:{subscription_id}:{plan_id}"},
            ),
        )
        return subscription_info(obj)

    async def cancel_at_period_end(self, subscription_id: str) -> SubscriptionInfo:
        obj = await self._gateway.call(
            "subscriptions.update",
            lambda c: c.v1.subscriptions.update_async(
                subscription_id,
                params={"cancel_at_period_end": True},
                options={"idempotency_key": f"subscription-end:{subscription_id}"},
            ),
        )
        return subscription_info(obj)

    async def cancel_now(self, subscription_id: str) -> SubscriptionInfo:
        obj = await self._gateway.call(
            "subscriptions.cancel",
            lambda c: c.v1.subscriptions.cancel_async(
                subscription_id,
                options={"idempotency_key": f"subscription-cancel:{subscription_id}"},
            ),
        )
        return subscription_info(obj)
