"""/v1/id-tokens: RFID cards and app tokens, and their current authorisation decision."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from asyncpg import Record
from fastapi import APIRouter, Query, status
from fastapi.responses import Response

from services.identity.context import ActivePrincipal, ClientAddress
from services.identity.id_tokens import decisions, service
from services.identity.id_tokens.schemas import (
    BlockRequest,
    DecisionAnswer,
    IdToken,
    IdTokenPage,
    IdTokenUpdate,
    NewIdToken,
)
from shared.db import Connection
from shared.service import DbConn

router = APIRouter(prefix="/v1/id-tokens", tags=["id-tokens"])


async def _shape(conn: Connection, row: Record) -> IdToken:
    verdict = await decisions.current(conn, row["uid"])
    return IdToken.from_row(row, verdict.decision, verdict.reason)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=IdToken)
async def register_token(
    body: NewIdToken, conn: DbConn, caller: ActivePrincipal, address: ClientAddress
) -> IdToken:
    row = await service.register(
        conn,
        caller,
        kind=body.kind,
        uid=body.uid,
        label=body.label,
        user_id=body.user_id,
        expires_at=body.expires_at,
        address=address,
    )
    return await _shape(conn, row)


@router.get("", response_model=IdTokenPage)
async def list_tokens(
    conn: DbConn,
    caller: ActivePrincipal,
    user_id: uuid.UUID | None = None,
    token_status: Annotated[Literal["active", "blocked"] | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> IdTokenPage:
    rows = await service.list_tokens(
        conn, caller, user_id=user_id, status=token_status, limit=limit, offset=offset
    )
    return IdTokenPage(items=[await _shape(conn, row) for row in rows], limit=limit, offset=offset)


@router.get("/decisions/{uid}", response_model=DecisionAnswer)
async def read_decision(uid: str, conn: DbConn, caller: ActivePrincipal) -> DecisionAnswer:
    verdict = await service.decision_for_uid(conn, caller, uid)
    return DecisionAnswer(
        uid=service.normalise_uid(uid), decision=verdict.decision, reason=verdict.reason
    )


@router.get("/{token_id}", response_model=IdToken)
async def read_token(token_id: uuid.UUID, conn: DbConn, caller: ActivePrincipal) -> IdToken:
    return await _shape(conn, await service.get_token(conn, caller, token_id))


@router.patch("/{token_id}", response_model=IdToken)
async def update_token(
    token_id: uuid.UUID,
    body: IdTokenUpdate,
    conn: DbConn,
    caller: ActivePrincipal,
    address: ClientAddress,
) -> IdToken:
    row = await service.update(
        conn,
        caller,
        token_id,
        label=body.label,
        expires_at=body.expires_at,
        fields=set(body.model_fields_set),
        address=address,
    )
    return await _shape(conn, row)


@router.post("/{token_id}/block", response_model=IdToken)
async def block_token(
    token_id: uuid.UUID,
    conn: DbConn,
    caller: ActivePrincipal,
    address: ClientAddress,
    body: BlockRequest | None = None,
) -> IdToken:
    row = await service.block(conn, caller, token_id, body.reason if body else None, address)
    return await _shape(conn, row)


@router.post("/{token_id}/unblock", response_model=IdToken)
async def unblock_token(
    token_id: uuid.UUID, conn: DbConn, caller: ActivePrincipal, address: ClientAddress
) -> IdToken:
    return await _shape(conn, await service.unblock(conn, caller, token_id, address))


@router.delete("/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_token(
    token_id: uuid.UUID, conn: DbConn, caller: ActivePrincipal, address: ClientAddress
) -> Response:
    await service.delete(conn, caller, token_id, address)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
