"""Holds' consumers and webhook handler: identity's decisions, the chargers' answers, the
registry of chargers (which OCPP version to speak), and PaymentIntent webhooks of holds."""

from __future__ import annotations

from collections.abc import Sequence

from services.payment.holds import repository, service
from services.payment.settings import Settings
from services.payment.stripe_objects import WebhookEvent, payment_intent_info
from services.payment.webhooks.dispatch import WebhookDispatcher, WebhookHandler
from shared.db import Connection
from shared.events.chargepoints import ChargePointRegistered
from shared.events.commands import CommandCompleted
from shared.events.envelope import Envelope
from shared.events.identity import IdTokenDecisionChanged
from shared.inbox import EventConsumer
from shared.service import ServiceRuntime

# Stripe tells a manual-capture intent is authorised with amount_capturable_updated; canceled
# covers an authorisation that lapsed or was canceled from the dashboard.
HOLD_WEBHOOKS = ("payment_intent.amount_capturable_updated", "payment_intent.canceled")


def webhook_handler(settings: Settings) -> WebhookHandler:
    async def on_hold_intent(conn: Connection, event: WebhookEvent) -> None:
        intent = payment_intent_info(event.object)
        if "ladda_hold_id" not in intent.metadata:
            return  # an invoice's payment, or not ours
        hold = await repository.by_field(
            conn, "stripe_payment_intent_id", intent.id, for_update=False
        )
        if hold is not None:
            await service.apply_intent(conn, hold["id"], intent, settings)

    return on_hold_intent


def register_webhooks(dispatcher: WebhookDispatcher, settings: Settings) -> None:
    handler = webhook_handler(settings)
    for event_type in HOLD_WEBHOOKS:
        dispatcher.on(event_type, handler)


def build_consumers(runtime: ServiceRuntime, settings: Settings) -> Sequence[EventConsumer]:
    assert runtime.pool is not None

    async def on_decision(conn: Connection, envelope: Envelope) -> None:
        await service.on_decision(conn, envelope.payload(IdTokenDecisionChanged), settings)

    async def on_result(conn: Connection, envelope: Envelope) -> None:
        await service.on_command_result(conn, envelope.payload(CommandCompleted), settings)

    async def on_registry(conn: Connection, envelope: Envelope) -> None:
        entry = envelope.payload(ChargePointRegistered)
        await repository.upsert_charge_point(
            conn, entry.charge_point_id, entry.ocpp_version, entry.connectors, entry.approval
        )

    return [
        EventConsumer(
            name=runtime.consumer_name("holds"),
            pool=runtime.pool,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            topics=[
                settings.id_tokens_topic,
                settings.command_results_topic,
                settings.registry_topic,
            ],
            handlers={
                IdTokenDecisionChanged.event_type: on_decision,
                CommandCompleted.event_type: on_result,
                ChargePointRegistered.event_type: on_registry,
            },
        )
    ]
