"""Settings of the support service (environment variables `LADDA_SUPPORT_*`)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LADDA_SUPPORT_")

    port: int = 8107
