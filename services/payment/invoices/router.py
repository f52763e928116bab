"""REST of invoices: list and read (drivers their own), receipt PDF, pay, refund (staff)."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status

from services.payment.deps import Payments, Refunder
from services.payment.invoices import refunds, service
from services.payment.invoices.receipt import render_receipt
from services.payment.invoices.schemas import (
    InvoiceOut,
    InvoiceSummaryOut,
    PayRequest,
    RefundCreate,
)
from shared.auth.deps import CurrentPrincipal, require_roles
from shared.auth.jwt import Principal
from shared.auth.scopes import INVOICES_READ_SCOPE
from shared.problems import Forbidden
from shared.service import DbConn

router = APIRouter(prefix="/v1/invoices", tags=["invoices"])

Reader = Annotated[Principal, Depends(require_roles("driver", "support", "operator", "admin"))]
Driver = Annotated[Principal, Depends(require_roles("driver"))]


async def _receipt_reader(principal: CurrentPrincipal) -> Principal:
    """The readers above, or a service account with `invoices:read` (notifications attaches
    receipts to its mails)."""
    if principal.has_any(("driver", "support", "operator", "admin")) or principal.has_scope(
        INVOICES_READ_SCOPE
    ):
        return principal
    raise Forbidden("Reading a receipt needs a reader role or the scope invoices:read.")


ReceiptReader = Annotated[Principal, Depends(_receipt_reader)]


@router.get("")
async def list_invoices(
    conn: DbConn,
    principal: Reader,
    user_id: Annotated[str | None, Query(max_length=64)] = None,
    invoice_status: Annotated[
        Literal["open", "paid", "recorded", "void"] | None, Query(alias="status")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[InvoiceSummaryOut]:
    """Drivers: their own invoices; support, operators and admins: anyone's (`user_id`)."""
    return await service.list_invoices(
        conn, principal, user_id=user_id, status=invoice_status, limit=limit, offset=offset
    )


@router.get("/{invoice_id}")
async def read(invoice_id: UUID, conn: DbConn, principal: Reader) -> InvoiceOut:
    return await service.get(conn, principal, invoice_id)


@router.get(
    "/{invoice_id}/receipt.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def receipt(invoice_id: UUID, conn: DbConn, principal: ReceiptReader) -> Response:
    invoice = await service.get(conn, principal, invoice_id)
    return Response(
        render_receipt(invoice),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{invoice.number}.pdf"'},
    )


@router.post("/{invoice_id}/pay")
async def pay(
    invoice_id: UUID, payments: Payments, principal: Driver, body: PayRequest | None = None
) -> InvoiceOut:
    """Pay an open invoice now with a saved method (the default unless one is named)."""
    return await service.pay(
        payments.pool,
        payments.collector,
        principal,
        invoice_id,
        body.payment_method_id if body else None,
    )


@router.post("/{invoice_id}/refunds", status_code=status.HTTP_201_CREATED)
async def refund(
    invoice_id: UUID, body: RefundCreate, conn: DbConn, payments: Payments, principal: Refunder
) -> InvoiceOut:
    """Refund fully (no amount) or partly, with a reason; through Stripe."""
    await refunds.refund(
        conn,
        payments.stripe,
        invoice_id,
        amount_minor=body.amount_minor,
        reason=body.reason,
        requested_by=principal.subject,
    )
    return await service.get(conn, principal, invoice_id)
