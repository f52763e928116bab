"""/v1/users: the caller's own account, and user administration for staff."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status
from fastapi.responses import Response

from services.identity.accounts import service
from services.identity.accounts.schemas import (
    AccountDeletion,
    NewUser,
    ProfileUpdate,
    Role,
    RolesUpdate,
    StatusChange,
    User,
    UserPage,
    UserStatus,
)
from services.identity.context import (
    ActivePrincipal,
    ActivePrincipalBriefly,
    ClientAddress,
    IdentityDep,
    TransactionDep,
    refusal,
    require,
)
from shared.service import DbConn

router = APIRouter(prefix="/v1/users", tags=["users"])


@router.get("/me", response_model=User)
async def read_me(conn: DbConn, caller: ActivePrincipal) -> User:
    return User.from_row(await service.me(conn, caller))


@router.patch("/me", response_model=User)
async def update_me(body: ProfileUpdate, conn: DbConn, caller: ActivePrincipal) -> User:
    return User.from_row(await service.update_profile(conn, caller, body.display_name, body.locale))


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT)
async def delete_me(
    body: AccountDeletion,
    transaction: TransactionDep,
    identity: IdentityDep,
    caller: ActivePrincipalBriefly,
    address: ClientAddress,
) -> Response:
    outcome = await service.delete_account(
        transaction, identity, caller, password=body.password, address=address
    )
    if outcome is not None:
        return refusal(outcome)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("", response_model=UserPage)
async def list_users(
    conn: DbConn,
    caller: ActivePrincipal,
    role: Role | None = None,
    user_status: Annotated[UserStatus | None, Query(alias="status")] = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> UserPage:
    rows = await service.list_users(
        conn, caller, role=role, status=user_status, email=email, limit=limit, offset=offset
    )
    return UserPage(items=[User.from_row(row) for row in rows], limit=limit, offset=offset)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=User)
async def create_user(
    body: NewUser,
    transaction: TransactionDep,
    identity: IdentityDep,
    caller: ActivePrincipalBriefly,
    address: ClientAddress,
) -> User:
    require(caller, "admin")  # before the costly hash
    password_hash = await service.hash_new_password(
        identity, email=body.email, password=body.password
    )
    async with transaction() as conn:
        row = await service.create_user(conn, identity, caller, body, password_hash, address)
    return User.from_row(row)


@router.get("/{user_id}", response_model=User)
async def read_user(user_id: uuid.UUID, conn: DbConn, caller: ActivePrincipal) -> User:
    return User.from_row(await service.get_user(conn, caller, user_id))


@router.put("/{user_id}/roles", response_model=User)
async def set_roles(
    user_id: uuid.UUID,
    body: RolesUpdate,
    conn: DbConn,
    caller: ActivePrincipal,
    address: ClientAddress,
) -> User:
    row = await service.set_roles(conn, caller, user_id, list(body.roles), address)
    return User.from_row(row)


@router.post("/{user_id}/disable", response_model=User)
async def disable_user(
    user_id: uuid.UUID,
    conn: DbConn,
    caller: ActivePrincipal,
    address: ClientAddress,
    body: StatusChange | None = None,
) -> User:
    row = await service.set_disabled(
        conn,
        caller,
        user_id,
        disabled=True,
        reason=body.reason if body else None,
        address=address,
    )
    return User.from_row(row)


@router.post("/{user_id}/enable", response_model=User)
async def enable_user(
    user_id: uuid.UUID,
    conn: DbConn,
    caller: ActivePrincipal,
    address: ClientAddress,
    body: StatusChange | None = None,
) -> User:
    row = await service.set_disabled(
        conn,
        caller,
        user_id,
        disabled=False,
        reason=body.reason if body else None,
        address=address,
    )
    return User.from_row(row)
