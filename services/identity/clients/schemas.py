"""Bodies of /v1/auth/clients and the client-credentials token answer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.auth.scopes import KNOWN_SCOPES

# The scopes a service account may be given (shared.auth.scopes), as an enum in the OpenAPI.
Scope = Literal[
    "chargepoints:read",
    "sessions:read",
    "commands:reserve",
    "commands:start",
    "commands:availability",
    "id-tokens:read",
    "users:read",
    "account-mails:issue",
    "invoices:read",
]


class NewClient(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    # What the account may do; nothing more (an empty list: authenticated, but no permission).
    scopes: list[Scope] = Field(default_factory=list, max_length=len(KNOWN_SCOPES))


class Client(BaseModel):
    id: uuid.UUID
    client_id: str
    name: str
    status: Literal["active", "disabled"]
    scopes: list[str]
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Client:
        return cls(
            id=row["id"],
            client_id=row["client_id"],
            name=row["name"],
            status=row["status"],
            scopes=sorted(row["scopes"]),
            created_at=row["created_at"],
        )


class CreatedClient(Client):
    """The secret is shown this once; only its hash is kept."""

    client_secret: str


class ClientToken(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    # RFC 6749 §5.1: the scopes granted, space-separated.
    scope: str
