"""REST of checklist templates and maintenance plans (operators and admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from services.operations.access import OperatorPrincipal
from services.operations.maintenance import service
from services.operations.maintenance.schemas import (
    PlanCreate,
    PlanOut,
    PlanUpdate,
    TemplateCreate,
    TemplateOut,
    TemplateUpdate,
)
from shared.service import DbConn

templates = APIRouter(prefix="/v1/checklist-templates", tags=["maintenance"])
plans = APIRouter(prefix="/v1/maintenance-plans", tags=["maintenance"])


@templates.get("")
async def list_templates(
    conn: DbConn, _: OperatorPrincipal, retired: bool | None = None
) -> list[TemplateOut]:
    """Every template; `retired=false`: those offered for new plans and inspections."""
    return await service.list_templates(conn, retired)


@templates.post("", status_code=status.HTTP_201_CREATED)
async def create_template(body: TemplateCreate, conn: DbConn, _: OperatorPrincipal) -> TemplateOut:
    return await service.create_template(conn, body)


@templates.get("/{template_id}")
async def read_template(template_id: str, conn: DbConn, _: OperatorPrincipal) -> TemplateOut:
    return await service.get_template(conn, template_id)


@templates.patch("/{template_id}")
async def update_template(
    template_id: str, body: TemplateUpdate, conn: DbConn, _: OperatorPrincipal
) -> TemplateOut:
    """Change an operator's template (its checklist as a whole list, in order), or retire /
    restore one. Shipped templates only retire (409 otherwise); a template an active plan
    uses does not retire (409)."""
    return await service.update_template(conn, template_id, body)


@plans.get("")
async def list_plans(
    conn: DbConn,
    _: OperatorPrincipal,
    charge_point_id: Annotated[str | None, Query(max_length=128)] = None,
    site: Annotated[str | None, Query(max_length=200)] = None,
    active: bool | None = None,
) -> list[PlanOut]:
    return await service.list_plans(conn, charge_point_id, site, active)


@plans.post("", status_code=status.HTTP_201_CREATED)
async def create_plan(body: PlanCreate, conn: DbConn, principal: OperatorPrincipal) -> PlanOut:
    return await service.create_plan(conn, body, principal.subject)


@plans.get("/{plan_id}")
async def read_plan(plan_id: str, conn: DbConn, _: OperatorPrincipal) -> PlanOut:
    return await service.get_plan(conn, plan_id)


@plans.patch("/{plan_id}")
async def update_plan(
    plan_id: str, body: PlanUpdate, conn: DbConn, _: OperatorPrincipal
) -> PlanOut:
    """Change the interval, grace or next due date; `active: false` stops generating."""
    return await service.update_plan(conn, plan_id, body)
