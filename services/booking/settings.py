"""Settings of the booking service (environment variables `LADDA_BOOKING_*`)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LADDA_BOOKING_")

    port: int = 8103
