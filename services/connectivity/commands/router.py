"""REST of remote commands: send one to a charger (wait for its answer or poll), read them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from services.connectivity.access import CommandReader, CommandSender
from services.connectivity.commands import service
from services.connectivity.commands.schemas import CommandCreate, CommandOut
from services.connectivity.settings import Settings
from shared.service import DbConn, Runtime

router = APIRouter(prefix="/v1/charge-points/{cp_id}/commands", tags=["commands"])


@router.post("")
async def send_command(
    cp_id: str,
    body: CommandCreate,
    runtime: Runtime,
    principal: CommandSender,
    response: Response,
) -> CommandOut:
    """Send an OCPP command; who may send which action is in the README's role matrix."""
    settings = runtime.settings
    assert isinstance(settings, Settings)
    # Its own transaction, committed before waiting: the command must reach Kafka meanwhile.
    async with runtime.transaction() as conn:
        command = await service.request(
            conn,
            cp_id,
            body,
            requester=principal,
            default_timeout_s=settings.command_timeout_s,
            stale_s=settings.replica_stale_s,
        )
    if command.status == service.PENDING and body.wait:
        assert runtime.pool is not None
        command = await service.await_result(
            runtime.pool, command.id, body.timeout_s or settings.command_timeout_s
        )
    response.status_code = (
        status.HTTP_202_ACCEPTED if command.status == service.PENDING else status.HTTP_200_OK
    )
    return command


@router.get("")
async def list_commands(
    cp_id: str,
    conn: DbConn,
    principal: CommandReader,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[CommandOut]:
    return await service.list_for(conn, cp_id, limit, principal)


@router.get("/{command_id}")
async def read_command(
    cp_id: str, command_id: str, conn: DbConn, principal: CommandReader
) -> CommandOut:
    return await service.get(conn, cp_id, command_id, principal)
