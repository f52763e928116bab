"""Settings of the payment service (environment variables `LADDA_PAYMENT_*`)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LADDA_PAYMENT_")

    port: int = 8104
