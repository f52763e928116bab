"""localstripe only: tell the Stripe test server where to deliver this service's webhooks.

Real Stripe's webhook endpoints are configured in its dashboard (or with the Stripe CLI), so
this runs only when `LADDA_PAYMENT_STRIPE_WEBHOOK_REGISTER_URL` and an API base are set, which
the local stack does (`deploy/local/stack.py`).
"""

from __future__ import annotations

import httpx
import structlog

from services.payment.settings import Settings

log = structlog.get_logger(__name__)


async def register_webhook(settings: Settings) -> None:
    url, base, secret = (
        settings.stripe_webhook_register_url,
        settings.stripe_api_base,
        settings.stripe_webhook_secret,
    )
    if not url or not base or secret is None:
        return
    async with httpx.AsyncClient(timeout=settings.stripe_timeout_s) as client:
        response = await client.post(
            f"{base.rstrip('/')}/_config/webhooks/{settings.stripe_webhook_register_id}",
            data={"url": url, "secret": secret.get_secret_value()},
        )
    response.raise_for_status()
    log.info("payment.webhook.registered_with_test_server", url=url)
