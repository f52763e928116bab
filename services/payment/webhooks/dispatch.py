"""The dispatch table of Stripe event types: features register their handlers at start-up.

A handler runs in the transaction that marks the event processed, so its effect and the
"processed" mark are committed together. Handlers compare the state of the object in the
event with what is stored (never the order events arrived in): Stripe does not promise order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from services.payment.stripe_objects import WebhookEvent
from shared.db import Connection

WebhookHandler = Callable[[Connection, WebhookEvent], Awaitable[None]]


class WebhookDispatcher:
    def __init__(self) -> None:
        self._handlers: dict[str, list[WebhookHandler]] = {}

    def on(self, event_type: str, handler: WebhookHandler) -> None:
        self._handlers.setdefault(event_type, []).append(handler)

    def handlers_for(self, event_type: str) -> list[WebhookHandler]:
        return list(self._handlers.get(event_type, ()))

    @property
    def event_types(self) -> list[str]:
        return sorted(self._handlers)
