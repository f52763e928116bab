"""REST of the delivery log: `/v1/notifications/deliveries`.

Drivers see their own; operators the deliveries of their subscriptions; support and admins all.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.notifications.access import LogReader, sees_everyone
from services.notifications.deliveries import repository
from services.notifications.deliveries.schemas import DeliveryOut, DeliveryStatus
from shared.service import DbConn

router = APIRouter(prefix="/v1/notifications/deliveries", tags=["delivery log"])


@router.get("")
async def list_deliveries(
    conn: DbConn,
    principal: LogReader,
    user_id: str | None = None,
    kind: str | None = None,
    status: DeliveryStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[DeliveryOut]:
    owner: str | None = None
    if sees_everyone(principal):
        pass
    elif principal.has_any(("operator",)):
        owner, user_id = principal.subject, None
    else:
        user_id = principal.subject  # a driver: their own, whatever they ask for
    rows = await repository.list_deliveries(
        conn,
        user_id=user_id,
        owner_id=owner,
        kind=kind,
        status=status,
        limit=limit,
        offset=offset,
    )
    return [
        DeliveryOut.model_validate({name: getattr(row, name) for name in DeliveryOut.model_fields})
        for row in rows
    ]
