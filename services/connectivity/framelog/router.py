"""REST of the raw OCPP frame log (operators and support), newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from services.connectivity.access import FrameReader
from services.connectivity.framelog import repository
from shared.service import DbConn

router = APIRouter(prefix="/v1/charge-points/{cp_id}/frames", tags=["frame log"])


class FrameOut(BaseModel):
    id: int
    direction: str
    at: datetime
    message_type: int | None
    unique_id: str | None
    action: str | None
    payload: str


@router.get("")
async def list_frames(
    cp_id: str,
    conn: DbConn,
    _: FrameReader,
    action: str | None = None,
    since: datetime | None = None,
    before_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[FrameOut]:
    rows = await repository.list_frames(
        conn, cp_id, action=action, since=since, limit=limit, before_id=before_id
    )
    return [FrameOut(**dict(row)) for row in rows]
