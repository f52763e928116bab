"""The services beside identity and connectivity that the driver app and the guest pages use:
payment (against localstripe), booking, support and analytics, in this process on free ports."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator

from pydantic import SecretStr

from services.analytics.app import create_app as create_analytics
from services.analytics.settings import Settings as AnalyticsSettings
from services.booking.app import create_app as create_booking
from services.booking.settings import Settings as BookingSettings
from services.operations.app import create_app as create_operations
from services.operations.settings import Settings as OperationsSettings
from services.payment.app import create_app as create_payment
from services.payment.settings import Settings as PaymentSettings
from services.support.app import create_app as create_support
from services.support.settings import Settings as SupportSettings
from tests.helpers.stack import fresh_database, serve, wait_until_ready

STRIPE_URL = os.environ.get("LADDA_PAYMENT_STRIPE_API_BASE", "http://127.0.0.1:8420")
STRIPE_SECRET_KEY = os.environ.get("LADDA_PAYMENT_STRIPE_API_KEY", "sk_test_ladda_local")
# localstripe accepts any `pk_` key where Stripe.js authenticates with the publishable key.
STRIPE_PUBLISHABLE_KEY = "pk_test_ladda_web"
HOLD_AMOUNT_MINOR = 20_000


@contextlib.asynccontextmanager
async def more_services(
    suffix: str, jwks_url: str, sessions_topic: str
) -> AsyncIterator[dict[str, str]]:
    """Upstream URLs by service name, once every service answers /readyz."""
    operations = create_operations(
        OperationsSettings(
            database_url=SecretStr(await fresh_database("test_web_operations")),
            evaluation_interval_s=0.5,
            consumer_group_suffix=suffix,
            jwks_url=jwks_url,
        )
    )
    payment = create_payment(
        PaymentSettings(
            database_url=SecretStr(await fresh_database("test_web_payment")),
            stripe_api_key=SecretStr(STRIPE_SECRET_KEY),
            stripe_api_base=STRIPE_URL,
            guest_link_secret=SecretStr("web-test-guest-links"),
            hold_amount_minor=HOLD_AMOUNT_MINOR,
            holds_poll_interval_s=0.5,
            collector_poll_interval_s=0.5,
            sessions_topic=sessions_topic,
            stripe_webhook_register_url=None,
            consumer_group_suffix=suffix,
            jwks_url=jwks_url,
        )
    )
    booking = create_booking(
        BookingSettings(
            database_url=SecretStr(await fresh_database("test_web_booking")),
            consumer_group_suffix=suffix,
            jwks_url=jwks_url,
        )
    )
    support = create_support(
        SupportSettings(
            database_url=SecretStr(await fresh_database("test_web_support")),
            consumer_group_suffix=suffix,
            jwks_url=jwks_url,
        )
    )
    analytics = create_analytics(
        AnalyticsSettings(
            database_url=SecretStr(await fresh_database("test_web_analytics")),
            consumer_group_suffix=suffix,
            jwks_url=jwks_url,
        )
    )
    async with (
        serve(payment) as payment_url,
        serve(booking) as booking_url,
        serve(support) as support_url,
        serve(analytics) as analytics_url,
        serve(operations) as operations_url,
    ):
        urls = {
            "operations": operations_url,
            "payment": payment_url,
            "booking": booking_url,
            "support": support_url,
            "analytics": analytics_url,
        }
        for url in urls.values():
            await wait_until_ready(url, timeout=90)
        yield urls
