"""REST of charging sessions: drivers read their own (live ones too); staff and service
accounts with `sessions:read` read all."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from services.connectivity.access import SessionViewer
from services.connectivity.sessions import service
from services.connectivity.sessions.schemas import SampleOut, SessionOut
from shared.service import DbConn

router = APIRouter(prefix="/v1/sessions", tags=["sessions"])


@router.get("")
async def list_sessions(
    conn: DbConn,
    principal: SessionViewer,
    charge_point_id: str | None = None,
    status: Literal["active", "stopped"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[SessionOut]:
    return await service.list_sessions(
        conn,
        principal,
        charge_point_id=charge_point_id,
        status=status,
        limit=limit,
        offset=offset,
    )


@router.get("/{session_id}")
async def read_session(session_id: str, conn: DbConn, principal: SessionViewer) -> SessionOut:
    return await service.get_session(conn, principal, session_id)


@router.get("/{session_id}/meter-samples")
async def meter_samples(
    session_id: str,
    conn: DbConn,
    principal: SessionViewer,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
) -> list[SampleOut]:
    return await service.session_samples(conn, principal, session_id, limit)
