"""Settings of the notifications service (environment variables `LADDA_NOTIFICATIONS_*`)."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LADDA_NOTIFICATIONS_")

    port: int = 8108

    # -- e-mail over SMTP (the operator's mail server in production) ---------------------------
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    # STARTTLS after connecting (port 587); `smtp_tls` for implicit TLS (port 465).
    smtp_starttls: bool = False
    smtp_tls: bool = False
    smtp_username: SecretStr | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_s: float = 10.0
    mail_from: str = "Ladda <no-reply@ladda.local>"
    # The right-hand side of every Message-ID (`<delivery id@domain>`).
    message_id_domain: str = "notifications.ladda.local"
    # Where the web app lives: links in mails point here.
    public_base_url: str = "http://127.0.0.1:8080"

    # -- the local development mail folder (`.local/mail/`): read at /v1/notifications/dev/mails
    # Unset in production: the dev endpoint then answers 404.
    dev_mail_dir: str | None = None

    # -- other services ----------------------------------------------------------------------
    identity_url: str = "http://127.0.0.1:8102"
    payment_url: str = "http://127.0.0.1:8104"
    # The service account (OAuth2 client credentials at identity) with the scopes
    # `account-mails:issue` and `invoices:read`.
    client_id: str = "notifications"
    client_secret: SecretStr | None = None
    upstream_timeout_s: float = 10.0

    # -- delivery ----------------------------------------------------------------------------
    dispatch_interval_s: float = 1.0
    # A driver's mail for whom no contact details arrived yet (another topic) is tried again
    # this long before it is dropped as `no-contact`.
    contact_wait_s: float = 600.0
    # Sends in flight at once: e-mails together, and per webhook subscription.
    email_concurrency: int = 8
    webhook_concurrency: int = 16
    # A delivery taken by a dispatcher is not taken by another before this lease runs out.
    lease_s: float = 60.0
    # Retries: exponential backoff (base x 2^(attempt-1), capped) with full jitter in [½, 1].
    retry_base_s: float = 10.0
    retry_max_s: float = 3600.0
    # E-mails are retried this long on temporary failures (server down, 4xx), then failed.
    email_give_up_after_s: float = 3 * 24 * 3600.0
    # Webhooks: attempts per delivery, and consecutive failed attempts that disable a
    # subscription (its owner is told by e-mail; its pending deliveries wait for re-enabling).
    webhook_max_attempts: int = 10
    webhook_disable_after_failures: int = 20
    webhook_timeout_s: float = 10.0
    # Receivers refuse signatures older than this (documented; sent as a header too).
    webhook_tolerance_s: int = 300
    # Webhook URLs must be https unless this allows plain http (local development and tests).
    webhook_allow_http: bool = False
    # Times in mails are shown in this zone.
    timezone: str = "Europe/Stockholm"

    # -- housekeeping -------------------------------------------------------------------------
    # Processed event ids are kept longer than Kafka keeps a group's committed offsets (7 days).
    inbox_retention_days: float = 30.0
    # Finished deliveries (sent, skipped, dropped, failed) stay in the log this long.
    delivery_log_retention_days: float = 180.0
    housekeeping_interval_s: float = 3600.0

    # -- booking reminders -------------------------------------------------------------------
    reminder_lead_s: float = 1800.0
    reminder_check_interval_s: float = 30.0
