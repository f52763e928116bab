"""REST of charging sessions: drivers read their own (live ones too); staff and service
accounts with `sessions:read` read all."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from services.connectivity.access import SessionCloser, SessionViewer
from services.connectivity.ocpp.hub import Hub
from services.connectivity.sessions import orphans, service
from services.connectivity.sessions.orphans import BY_OPERATOR
from services.connectivity.sessions.schemas import SampleOut, SessionClose, SessionOut
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


@router.post(
    "/{session_id}/close",
    responses={404: {"description": "No such session"}, 409: {"description": "Not active"}},
)
async def close_session(
    session_id: str,
    conn: DbConn,
    principal: SessionCloser,
    request: Request,
    body: SessionClose | None = None,
) -> SessionOut:
    """Operators: close a session whose stop never arrived (billed up to its last reading)."""
    reason = body.reason if body is not None else BY_OPERATOR
    # Meter samples are written behind: the ones this replica still buffers are written
    # first, so the session is billed up to the last reading the charger sent.
    hub: Hub = request.app.state.hub
    await hub.flush()
    return await orphans.close_by_operator(conn, principal, session_id, reason)
