"""Settings of the analytics service (environment variables `LADDA_ANALYTICS_*`)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LADDA_ANALYTICS_")

    port: int = 8105
