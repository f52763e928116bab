"""Request and response bodies of /v1/auth and /v1/users."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from shared.events.identity import Locale

Role = Literal["driver", "operator", "support", "admin"]
UserStatus = Literal["active", "disabled", "deleted"]


class Registration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: str = Field(min_length=1, max_length=1024)
    display_name: str | None = Field(None, max_length=200)
    # The language of the account's mails.
    locale: Locale = "en"


class NewUser(Registration):
    """An account an admin creates (e.g. an operator), with its roles."""

    roles: list[Role] = Field(default_factory=lambda: list[Role](["driver"]), min_length=1)


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=1, max_length=512)


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class AccountDeletion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(max_length=1024)


class ProfileUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(None, max_length=200)
    locale: Locale | None = None  # None: unchanged


class RolesUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roles: list[Role] = Field(min_length=1)


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(None, max_length=500)


class TokenPair(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    refresh_token: str
    refresh_expires_in: int


class User(BaseModel):
    id: uuid.UUID
    email: str
    display_name: str | None
    roles: list[Role]
    status: UserStatus
    locale: Locale
    email_verified: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> User:
        return cls(
            id=row["id"],
            email=row["email"],
            display_name=row["display_name"],
            roles=list(row["roles"]),
            status=row["status"],
            locale=row["locale"],
            email_verified=row["email_verified_at"] is not None,
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


class UserPage(BaseModel):
    items: list[User]
    limit: int
    offset: int
