"""Settings of the identity service (environment variables `LADDA_IDENTITY_*`)."""

from __future__ import annotations

from pydantic import AliasChoices, BaseModel, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class BootstrapClient(BaseModel):
    client_id: str = Field(min_length=1, max_length=100)
    secret: SecretStr = Field(min_length=32)
    scopes: list[str] = Field(default_factory=list)


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LADDA_IDENTITY_", populate_by_name=True)

    port: int = 8102

    # Encrypts the private halves of the signing keys stored in identity's database.
    signing_key_passphrase: SecretStr
    # Access tokens live at most 15 minutes (the platform's contract).
    access_token_ttl_s: int = Field(900, gt=0, le=900)
    refresh_token_ttl_s: int = Field(30 * 24 * 3600, gt=0)
    # A new signing key is made when the active one is this old (0 = only on demand).
    signing_key_rotation_s: int = Field(30 * 24 * 3600, ge=0)
    # How often the expiry sweep and scheduled key rotation run.
    maintenance_interval_s: float = Field(30.0, gt=0)

    # Throttling: this many failures within the window lock the account / address for a while.
    login_window_s: int = 15 * 60
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 20
    login_lockout_s: int = 15 * 60
    # Self-registrations per client address and window (counted whether the email is free or
    # taken): bounds how fast anyone can learn which emails have accounts.
    register_max_per_address: int = Field(10, ge=1)
    register_window_s: int = Field(3600, gt=0)
    # Behind the gateway the caller's address arrives in X-Forwarded-For (last hop appended).
    trust_forwarded_for: bool = True

    # Argon2id cost; the defaults are argon2-cffi's RFC 9106 "low memory" profile.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    # Hashes computed at once (each holds ~m of memory and a CPU); more callers wait their turn
    # without holding a database connection, so JWKS and refresh keep answering during a burst.
    argon2_max_concurrent: int = Field(2, ge=1)

    # Hold tokens: identity answers payment's holds read from this topic. Exactly one identity
    # deployment may decide them: another one (each with users of its own, as tests run many
    # side by side on the shared topics) would answer a driver's hold `unknown-user` and the
    # last answer on identity.id-tokens.v1 wins at the charger. `decide_hold_tokens=false`
    # leaves holds to the instance that owns them.
    decide_hold_tokens: bool = True
    holds_topic: str = "payment.holds.v1"

    # The audit log keeps this many days; older entries are deleted by the maintenance loop.
    audit_retention_days: int = Field(365, ge=1)

    # Account mails (sent by notifications): links point into the web app at this address.
    public_app_url: str = "http://127.0.0.1:8080"
    email_verification_ttl_s: int = Field(7 * 24 * 3600, gt=0)
    password_reset_ttl_s: int = Field(30 * 60, gt=0, le=24 * 3600)
    # Notices (password changed, new sign-in) not sent within this time are dropped.
    account_notice_ttl_s: int = Field(7 * 24 * 3600, gt=0)
    # At most one verification / reset mail per account within this time.
    account_mail_cooldown_s: int = Field(60, ge=0)
    account_mail_retention_days: int = Field(30, ge=1)
    # Service accounts created (or their secret and scopes updated) at start, e.g. the
    # notifications service's: JSON `[{"client_id": ..., "secret": ..., "scopes": [...]}]`.
    bootstrap_clients: list[BootstrapClient] = Field(
        default_factory=list, validation_alias=AliasChoices("LADDA_BOOTSTRAP_CLIENTS")
    )

    bootstrap_admin_email: str | None = Field(
        None, validation_alias=AliasChoices("LADDA_BOOTSTRAP_ADMIN_EMAIL")
    )
    bootstrap_admin_password: SecretStr | None = Field(
        None, validation_alias=AliasChoices("LADDA_BOOTSTRAP_ADMIN_PASSWORD")
    )
