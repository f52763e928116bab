"""Settings of the connectivity service (environment variables `LADDA_CONNECTIVITY_*`)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LADDA_CONNECTIVITY_")

    port: int = 8101
