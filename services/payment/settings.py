"""Settings of the payment service (environment variables `LADDA_PAYMENT_*`)."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LADDA_PAYMENT_")

    port: int = 8104
    # Each invoice being collected holds one connection while it waits for Stripe.
    db_pool_max_size: int = 20

    # Stripe: the secret key (`sk_test_…` / `sk_live_…`) and, for a Stripe-compatible test
    # server such as localstripe, its base URL. Without an API base the real Stripe API is used.
    stripe_api_key: SecretStr
    stripe_api_base: str | None = None
    # The webhook endpoint's signing secret (`whsec_…`). Without it the webhook answers 503.
    stripe_webhook_secret: SecretStr | None = None
    # Webhooks older than this (by their signed timestamp) are refused as replays.
    stripe_webhook_tolerance_s: int = 300
    # localstripe only: at start-up, tell the test server to deliver webhooks to this URL.
    # Real Stripe's endpoints are configured in its dashboard, never by the service.
    stripe_webhook_register_url: str | None = None
    stripe_webhook_register_id: str = "ladda-payment"
    stripe_timeout_s: float = 20.0
    stripe_max_network_retries: int = 2

    # Billing. Tests give the service a sessions topic of its own (the platform's is shared).
    sessions_topic: str = "charging.sessions.v1"
    default_currency: str = "SEK"
    default_vat_rate_bp: int = 2500  # 25.00 % (Sweden); basis points
    tariff_time_zone: str = "Europe/Stockholm"
    # Seconds after each failed off-session charge before the next attempt; the invoice stays
    # open (and the driver owing) after the last one until the driver pays it from the app.
    charge_retry_schedule_s: tuple[float, ...] = (3600.0, 6 * 3600.0, 24 * 3600.0, 72 * 3600.0)
    collector_poll_interval_s: float = 2.0
    collector_concurrency: int = 8
    webhook_retry_interval_s: float = 5.0
    # Fault injection for the crash test only: pause between creating and confirming a
    # PaymentIntent so a test can kill the process exactly there. Zero in every deployment.
    fault_pause_before_confirm_s: float = 0.0

    # Pay as you go and guests: the amount pre-authorised (manual-capture PaymentIntent) before
    # a remote start, in minor units of the default currency; the session is paid from it.
    hold_amount_minor: int = 50_000
    # A hold nobody confirms in this time is released; one whose session does not start within
    # `hold_start_timeout_s` of authorisation is released too (its id-token expires then).
    hold_payment_timeout_s: float = 900.0
    hold_start_timeout_s: float = 180.0
    holds_poll_interval_s: float = 2.0
    # A held session is stopped remotely once its price so far reaches this share of the hold
    # (basis points), so the hold always covers it; checked at every session.updated.
    hold_stop_at_bp: int = 9000
    # The service account payment acts as when it asks connectivity to start or stop a charger;
    # it carries exactly the `commands:start` scope (see connectivity's role matrix).
    service_account: str = "svc-payment"
    # Topics payment reads for holds (tests give it topics of their own).
    id_tokens_topic: str = "identity.id-tokens.v1"
    command_results_topic: str = "connectivity.command-results.v1"
    registry_topic: str = "chargepoints.registry.v1"
    # Read to refuse an app start clearly: charger presence and connector status, and bookings.
    status_topic: str = "chargepoints.status.v1"
    reservations_topic: str = "booking.reservations.v1"
    # Where hold.authorized / hold.closed are published (identity decides the tokens from it).
    holds_topic: str = "payment.holds.v1"
    # Guests (ad-hoc charging, no account): the key that signs their capability links (HMAC-SHA256)
    # and how long a link lives. Without the key the guest routes answer 503.
    guest_link_secret: SecretStr | None = None
    guest_link_ttl_s: int = 7 * 24 * 3600
