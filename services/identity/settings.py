"""Settings of the identity service (environment variables `LADDA_IDENTITY_*`)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LADDA_IDENTITY_")

    port: int = 8102
