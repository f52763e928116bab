"""/v1/auth: register, log in, refresh, log out, change password."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse, Response

from services.identity.accounts import service, sessions
from services.identity.accounts.schemas import (
    Credentials,
    PasswordChange,
    RefreshRequest,
    Registration,
    TokenPair,
    User,
)
from services.identity.context import (
    ActivePrincipalBriefly,
    ClientAddress,
    IdentityDep,
    TransactionDep,
    refusal,
)
from shared.problems import DomainError
from shared.service import DbConn

router = APIRouter(prefix="/v1/auth", tags=["auth"])

_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not authenticated"},
    429: {"description": "Throttled"},
}


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=User,
    responses={429: {"description": "Throttled"}},
)
async def register(
    body: Registration,
    transaction: TransactionDep,
    identity: IdentityDep,
    address: ClientAddress,
) -> User | JSONResponse:
    outcome = await service.register_driver(
        transaction,
        identity,
        email=body.email,
        password=body.password,
        display_name=body.display_name,
        address=address,
        locale=body.locale,
    )
    return refusal(outcome) if isinstance(outcome, DomainError) else User.from_row(outcome)


@router.post("/login", response_model=TokenPair, responses=_REFUSALS)
async def login(
    body: Credentials, transaction: TransactionDep, identity: IdentityDep, address: ClientAddress
) -> TokenPair | JSONResponse:
    outcome = await sessions.login(
        transaction, identity, email=body.email, password=body.password, address=address
    )
    return refusal(outcome) if isinstance(outcome, DomainError) else outcome


@router.post("/refresh", response_model=TokenPair, responses=_REFUSALS)
async def refresh(
    body: RefreshRequest, conn: DbConn, identity: IdentityDep, address: ClientAddress
) -> TokenPair | JSONResponse:
    outcome = await sessions.refresh(conn, identity, token=body.refresh_token, address=address)
    return refusal(outcome) if isinstance(outcome, DomainError) else outcome


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(body: RefreshRequest, conn: DbConn, address: ClientAddress) -> Response:
    await sessions.logout(conn, token=body.refresh_token, address=address)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(
    body: PasswordChange,
    transaction: TransactionDep,
    identity: IdentityDep,
    caller: ActivePrincipalBriefly,
    address: ClientAddress,
) -> Response:
    outcome = await service.change_password(
        transaction,
        identity,
        caller,
        current_password=body.current_password,
        new_password=body.new_password,
        address=address,
    )
    if outcome is not None:
        return refusal(outcome)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
