"""Bodies of /v1/auth/clients and the client-credentials token answer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class NewClient(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9._-]*$")


class Client(BaseModel):
    id: uuid.UUID
    client_id: str
    name: str
    status: Literal["active", "disabled"]
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Client:
        return cls(
            id=row["id"],
            client_id=row["client_id"],
            name=row["name"],
            status=row["status"],
            created_at=row["created_at"],
        )


class CreatedClient(Client):
    """The secret is shown this once; only its hash is kept."""

    client_secret: str


class ClientToken(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
