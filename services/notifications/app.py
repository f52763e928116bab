"""Composition root of the notifications service: `create_app()` for uvicorn (`--factory`)."""

from __future__ import annotations

from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from services.notifications import devmail
from services.notifications.channels.email import Mailer
from services.notifications.channels.webhook import WebhookSender
from services.notifications.deliveries.dispatcher import Dispatcher
from services.notifications.deliveries.router import router as deliveries
from services.notifications.deliveries.sending import Sender
from services.notifications.events import build_consumers
from services.notifications.housekeeping import run_housekeeping
from services.notifications.preferences.router import router as preferences
from services.notifications.reminders.job import run_reminders
from services.notifications.rendering import Templates
from services.notifications.settings import Settings
from services.notifications.subscriptions.router import router as subscriptions
from services.notifications.subscriptions.service import Subscriptions
from services.notifications.upstream import Upstream
from shared.auth.jwt import KeySource
from shared.inbox import EventConsumer
from shared.service import ServiceRuntime, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


async def _dispatch(dispatcher: Dispatcher, closing: list[Any]) -> None:
    try:
        await dispatcher.run()
    finally:
        for client in closing:
            await client.aclose()


def create_app(settings: Settings | None = None, *, key_source: KeySource | None = None) -> FastAPI:
    settings = settings or Settings()

    def consumers(runtime: ServiceRuntime) -> Sequence[EventConsumer]:
        return build_consumers(runtime)

    def background(runtime: ServiceRuntime) -> Sequence[Coroutine[Any, Any, None]]:
        upstream = Upstream(settings)
        webhooks = WebhookSender(settings.webhook_timeout_s)
        sender = Sender(
            runtime, settings, Templates(settings.timezone), Mailer(settings), webhooks, upstream
        )
        dispatcher = Dispatcher(runtime, settings, sender)
        app.state.dispatcher = dispatcher
        return [
            _dispatch(dispatcher, [upstream, webhooks]),
            run_reminders(runtime, settings),
            run_housekeeping(runtime, settings),
        ]

    runtime = ServiceRuntime(
        name="notifications",
        settings=settings,
        migrations=MIGRATIONS,
        consumers=consumers,
        background=background,
    )
    app = create_service_app(
        runtime=runtime,
        title="Ladda notifications",
        description=(
            "E-mail and signed webhooks to drivers and operators, from events: preferences, "
            "operators' subscriptions, the delivery log."
        ),
        routers=[preferences, subscriptions, deliveries, devmail.router],
        key_source=key_source,
    )
    app.state.settings = settings
    app.state.subscriptions = Subscriptions(allow_http=settings.webhook_allow_http)
    return app
