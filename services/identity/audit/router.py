"""GET /v1/users/audit-log: the audit log, for admins (newest first, keyset paging)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from services.identity.audit import repository
from services.identity.context import ActivePrincipal, require
from shared.service import DbConn

router = APIRouter(prefix="/v1/users", tags=["audit"])


class AuditEntry(BaseModel):
    id: int
    at: datetime
    action: str
    outcome: str
    actor_id: str | None
    subject_id: str | None
    client_address: str | None
    details: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditEntry]
    next_before_id: int | None


@router.get("/audit-log", response_model=AuditPage)
async def list_audit_log(
    conn: DbConn,
    caller: ActivePrincipal,
    action: Annotated[str | None, Query(max_length=100)] = None,
    subject_id: Annotated[str | None, Query(max_length=100)] = None,
    actor_id: Annotated[str | None, Query(max_length=100)] = None,
    before_id: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    require(caller, "admin")
    rows = await repository.list_entries(
        conn,
        action=action,
        subject_id=subject_id,
        actor_id=actor_id,
        before_id=before_id,
        limit=limit,
    )
    items = [AuditEntry(**dict(row)) for row in rows]
    return AuditPage(items=items, next_before_id=items[-1].id if len(items) == limit else None)
