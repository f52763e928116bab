"""/v1/auth: register, log in, refresh, log out, change password."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse, Response

from services.identity.accounts import service
from services.identity.accounts.schemas import (
    Credentials,
    PasswordChange,
    RefreshRequest,
    Registration,
    TokenPair,
    User,
)
from services.identity.context import (
    ClientAddress,
    CurrentCaller,
    IdentityDep,
    refusal,
)
from shared.problems import DomainError
from shared.service import DbConn

router = APIRouter(prefix="/v1/auth", tags=["auth"])

_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not authenticated"},
    429: {"description": "Throttled"},
}


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=User)
async def register(
    body: Registration, conn: DbConn, identity: IdentityDep, address: ClientAddress
) -> User:
    row = await service.register(
        conn,
        identity,
        email=body.email,
        password=body.password,
        display_name=body.display_name,
        roles=["driver"],
        actor_id=None,
        address=address,
    )
    return User.from_row(row)


@router.post("/login", response_model=TokenPair, responses=_REFUSALS)
async def login(
    body: Credentials, conn: DbConn, identity: IdentityDep, address: ClientAddress
) -> TokenPair | JSONResponse:
    outcome = await service.login(
        conn, identity, email=body.email, password=body.password, address=address
    )
    return refusal(outcome) if isinstance(outcome, DomainError) else outcome


@router.post("/refresh", response_model=TokenPair, responses=_REFUSALS)
async def refresh(
    body: RefreshRequest, conn: DbConn, identity: IdentityDep, address: ClientAddress
) -> TokenPair | JSONResponse:
    outcome = await service.refresh(conn, identity, token=body.refresh_token, address=address)
    return refusal(outcome) if isinstance(outcome, DomainError) else outcome


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(body: RefreshRequest, conn: DbConn, address: ClientAddress) -> Response:
    await service.logout(conn, token=body.refresh_token, address=address)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(
    body: PasswordChange,
    conn: DbConn,
    identity: IdentityDep,
    caller: CurrentCaller,
    address: ClientAddress,
) -> Response:
    outcome = await service.change_password(
        conn,
        identity,
        caller,
        current_password=body.current_password,
        new_password=body.new_password,
        address=address,
    )
    if outcome is not None:
        return refusal(outcome)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
