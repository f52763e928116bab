"""Settings of the operations service (environment variables `LADDA_OPERATIONS_*`)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LADDA_OPERATIONS_")

    port: int = 8106
