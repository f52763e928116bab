"""Rules of customers and payment methods: a Stripe customer when first needed, cards and
wallets saved through SetupIntents, a default method, removal; every change republishes the
driver's standing."""

from __future__ import annotations

import asyncpg
import structlog

from services.payment.customers import repository
from services.payment.customers.schemas import PaymentMethodOut, SetupIntentOut, StandingOut
from services.payment.customers.standing import current_standing, publish_standing
from services.payment.stripe_gateway import StripeGateway, StripeRejected
from services.payment.stripe_objects import PaymentMethodInfo, WebhookEvent, payment_method_info
from shared.db import Connection
from shared.problems import Conflict, NotFound

log = structlog.get_logger(__name__)


def to_out(row: asyncpg.Record, default_id: str | None) -> PaymentMethodOut:
    return PaymentMethodOut(
        id=row["id"],
        type=row["type"],
        brand=row["brand"],
        last4=row["last4"],
        exp_month=row["exp_month"],
        exp_year=row["exp_year"],
        wallet=row["wallet"],
        is_default=row["id"] == default_id,
        created_at=row["created_at"],
    )


async def ensure_stripe_customer(conn: Connection, stripe: StripeGateway, user_id: str) -> str:
    """The driver's Stripe customer, created the first time it is needed (row lock + key)."""
    row = await repository.lock_customer(conn, user_id)
    if row["stripe_customer_id"]:
        return str(row["stripe_customer_id"])
    replacing = row["lost_stripe_customer_id"]
    customer_id = await stripe.create_customer(user_id, replacing)
    await repository.set_stripe_customer(conn, user_id, customer_id)
    log.info("payment.customer.created", user_id=user_id, replacing=replacing)
    return customer_id


async def _live_customer(conn: Connection, stripe: StripeGateway, user_id: str) -> str:
    """The driver's customer, checked with Stripe: one Stripe lost is forgotten and replaced."""
    known = (await repository.lock_customer(conn, user_id))["stripe_customer_id"]
    if known and not await stripe.customer_exists(known):
        await forget_customer(conn, user_id, known)
    return await ensure_stripe_customer(conn, stripe, user_id)


async def start_setup(
    conn: Connection, stripe: StripeGateway, user_id: str, request_key: str
) -> SetupIntentOut:
    # Checked first: Stripe refuses a SetupIntent for a deleted customer, but a test server
    # (localstripe) creates one and fails only later, when the card is attached.
    customer_id = await _live_customer(conn, stripe, user_id)
    intent = await stripe.create_setup_intent(customer_id, user_id, f"{customer_id}:{request_key}")
    assert intent.client_secret is not None
    return SetupIntentOut(
        setup_intent_id=intent.id, client_secret=intent.client_secret, status=intent.status
    )


async def _save_method(
    conn: Connection, user_id: str, method: PaymentMethodInfo
) -> PaymentMethodOut:
    customer = await repository.lock_customer(conn, user_id)
    owner = await repository.owner_of_method(conn, method.id)
    if owner is not None and owner != user_id:
        raise NotFound("No such setup intent.")
    row = await repository.upsert_method(conn, user_id, method)
    default_id = customer["default_payment_method_id"]
    if default_id is None or await repository.active_method(conn, user_id, default_id) is None:
        default_id = method.id
        await repository.set_default(conn, user_id, default_id)
    await publish_standing(conn, user_id)
    return to_out(row, default_id)


async def complete_setup(
    conn: Connection, stripe: StripeGateway, user_id: str, setup_intent_id: str
) -> PaymentMethodOut:
    """The app says Stripe's SDK confirmed the SetupIntent: check it with Stripe, save the method.

    The same happens on `setup_intent.succeeded` and `payment_method.attached` webhooks; whichever
    comes first saves it, the other finds it saved.
    """
    customer = await repository.lock_customer(conn, user_id)
    if not customer["stripe_customer_id"]:
        raise NotFound("No such setup intent.")
    intent = await stripe.retrieve_setup_intent(setup_intent_id)
    if intent.customer_id != customer["stripe_customer_id"]:
        raise NotFound("No such setup intent.")
    if intent.status != "succeeded" or intent.payment_method_id is None:
        raise Conflict(
            f"The setup intent is {intent.status}; the card is not saved.",
            setup_status=intent.status,
        )
    method = await stripe.retrieve_payment_method(intent.payment_method_id)
    if method.customer_id != customer["stripe_customer_id"]:
        # Stripe attaches on success; Stripe-compatible test servers may not.
        method = await stripe.attach_payment_method(method.id, customer["stripe_customer_id"])
    saved = await _save_method(conn, user_id, method)
    log.info("payment.method.saved", user_id=user_id, payment_method_id=method.id)
    return saved


async def list_methods(conn: Connection, user_id: str) -> list[PaymentMethodOut]:
    customer = await repository.get_customer(conn, user_id)
    default_id = customer["default_payment_method_id"] if customer else None
    return [to_out(row, default_id) for row in await repository.active_methods(conn, user_id)]


async def set_default(conn: Connection, user_id: str, method_id: str) -> PaymentMethodOut:
    await repository.lock_customer(conn, user_id)
    row = await repository.active_method(conn, user_id, method_id)
    if row is None:
        raise NotFound(f"No payment method {method_id}.")
    await repository.set_default(conn, user_id, method_id)
    await publish_standing(conn, user_id)
    return to_out(row, method_id)


async def remove(conn: Connection, stripe: StripeGateway, user_id: str, method_id: str) -> None:
    customer = await repository.lock_customer(conn, user_id)
    if await repository.active_method(conn, user_id, method_id) is None:
        raise NotFound(f"No payment method {method_id}.")
    try:
        await stripe.detach_payment_method(method_id)
    except StripeRejected:
        log.info("payment.method.already_gone_in_stripe", payment_method_id=method_id)
    await repository.remove_method(conn, method_id)
    if customer["default_payment_method_id"] == method_id:
        remaining = await repository.active_methods(conn, user_id)
        await repository.set_default(conn, user_id, remaining[0]["id"] if remaining else None)
    await publish_standing(conn, user_id)
    log.info("payment.method.removed", user_id=user_id, payment_method_id=method_id)


# -- Stripe objects that vanished ----------------------------------------------------------------


async def forget_customer(conn: Connection, user_id: str, customer_id: str) -> bool:
    """Stripe no longer has the driver's customer (deleted in the dashboard, or a test server
    that lost its state): forget it and its cards (they were the customer's); a new customer is
    made when next needed. Republishes the standing. False if it was already forgotten."""
    customer = await repository.lock_customer(conn, user_id)
    if customer["stripe_customer_id"] != customer_id:
        return False  # replaced meanwhile, or another driver's: a late event changes nothing
    await repository.forget_stripe_customer(conn, user_id, customer_id)
    for row in await repository.active_methods(conn, user_id):
        await repository.remove_method(conn, row["id"])
    await publish_standing(conn, user_id)
    log.warning("payment.customer.vanished", user_id=user_id)
    return True


async def forget_method(conn: Connection, user_id: str, method_id: str) -> bool:
    """Stripe no longer has the method (or it left the customer): mark it removed."""
    customer = await repository.lock_customer(conn, user_id)
    if not await repository.remove_method(conn, method_id):
        return False
    if customer["default_payment_method_id"] == method_id:
        remaining = await repository.active_methods(conn, user_id)
        await repository.set_default(conn, user_id, remaining[0]["id"] if remaining else None)
    await publish_standing(conn, user_id)
    log.warning("payment.method.vanished", user_id=user_id, payment_method_id=method_id)
    return True


async def forget_vanished(
    conn: Connection,
    stripe: StripeGateway,
    user_id: str,
    customer_id: str | None,
    method_id: str | None,
) -> str | None:
    """After Stripe said `resource_missing`: find which of the driver's objects is gone and
    forget it. Returns "customer", "payment_method", or None (both still there)."""
    if customer_id and not await stripe.customer_exists(customer_id):
        await forget_customer(conn, user_id, customer_id)
        return "customer"
    if customer_id and method_id and not await stripe.payment_method_usable(method_id, customer_id):
        await forget_method(conn, user_id, method_id)
        return "payment_method"
    return None


async def default_method(conn: Connection, user_id: str) -> str | None:
    customer = await repository.get_customer(conn, user_id)
    if customer is None or customer["default_payment_method_id"] is None:
        return None
    return str(customer["default_payment_method_id"])


async def stripe_customer_of(conn: Connection, user_id: str) -> str | None:
    customer = await repository.get_customer(conn, user_id)
    return (
        str(customer["stripe_customer_id"]) if customer and customer["stripe_customer_id"] else None
    )


async def standing(conn: Connection, user_id: str) -> StandingOut:
    return StandingOut(**(await current_standing(conn, user_id)).model_dump())


# -- webhooks ----------------------------------------------------------------------------------


async def on_payment_method_attached(conn: Connection, event: WebhookEvent) -> None:
    method = payment_method_info(event.object)
    if method.customer_id is None:
        return
    user_id = await repository.user_of_stripe_customer(conn, method.customer_id)
    if user_id is None:
        return  # a customer of another system on the same Stripe account
    await _save_method(conn, user_id, method)


async def on_payment_method_detached(conn: Connection, event: WebhookEvent) -> None:
    method_id = str(event.object.get("id"))
    user_id = await repository.owner_of_method(conn, method_id)
    if user_id is None:
        return
    customer = await repository.lock_customer(conn, user_id)
    # Detached is final for a PaymentMethod: a later "attached" for the same id cannot revive
    # it in Stripe either, so applying this in any order is safe.
    if await repository.remove_method(conn, method_id):
        if customer["default_payment_method_id"] == method_id:
            remaining = await repository.active_methods(conn, user_id)
            await repository.set_default(conn, user_id, remaining[0]["id"] if remaining else None)
        await publish_standing(conn, user_id)


async def on_customer_deleted(conn: Connection, event: WebhookEvent) -> None:
    """A customer deleted in Stripe (its dashboard, or a test server's DELETE)."""
    customer_id = str(event.object.get("id"))
    user_id = await repository.user_of_stripe_customer(conn, customer_id)
    if user_id is not None:
        await forget_customer(conn, user_id, customer_id)


async def on_setup_intent_succeeded(conn: Connection, event: WebhookEvent) -> None:
    """Save the method of a succeeded SetupIntent (details come with `payment_method.attached`)."""
    intent = event.object
    customer_id, method_id = intent.get("customer"), intent.get("payment_method")
    if not isinstance(customer_id, str) or not method_id:
        return
    user_id = await repository.user_of_stripe_customer(conn, customer_id)
    if user_id is None:
        return
    if isinstance(method_id, dict):
        method = payment_method_info(method_id)
    else:
        types = intent.get("payment_method_types") or ["card"]
        method = PaymentMethodInfo(
            id=str(method_id),
            type=str(types[0]),
            customer_id=customer_id,
            brand=None,
            last4=None,
            exp_month=None,
            exp_year=None,
            wallet=None,
        )
    await _save_method(conn, user_id, method)
