"""The JWKS document, and signing-key administration under /v1/auth/keys (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from services.identity.context import ActivePrincipal, ClientAddress, IdentityDep, require
from services.identity.keys import repository
from shared.service import DbConn

router = APIRouter(tags=["keys"])


class SigningKey(BaseModel):
    kid: str
    created_at: datetime
    retired_at: datetime | None
    published_until: datetime | None
    active: bool


class Rotation(BaseModel):
    kid: str
    retired_kid: str | None


@router.get("/.well-known/jwks.json")
async def jwks(conn: DbConn, identity: IdentityDep) -> JSONResponse:
    document: dict[str, Any] = await identity.keys.jwks(conn)
    # Short caching: verifiers refetch on an unknown kid anyway, so rotation is not delayed.
    return JSONResponse(document, headers={"Cache-Control": "public, max-age=60"})


@router.get("/v1/auth/keys", response_model=list[SigningKey])
async def list_keys(conn: DbConn, caller: ActivePrincipal) -> list[SigningKey]:
    require(caller, "admin")
    return [
        SigningKey(
            kid=row["kid"],
            created_at=row["created_at"],
            retired_at=row["retired_at"],
            published_until=row["published_until"],
            active=row["retired_at"] is None,
        )
        for row in await repository.all_keys(conn)
    ]


@router.post("/v1/auth/keys/rotate", status_code=status.HTTP_201_CREATED, response_model=Rotation)
async def rotate_key(
    conn: DbConn, identity: IdentityDep, caller: ActivePrincipal, address: ClientAddress
) -> Rotation:
    require(caller, "admin")
    kid, retired = await identity.keys.rotate(conn, actor_id=caller.subject, address=address)
    return Rotation(kid=kid, retired_kid=retired)
