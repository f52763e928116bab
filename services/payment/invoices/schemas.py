"""Response and request models of invoices, payments and refunds (amounts in minor units)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from services.payment.tariffs.schemas import PricedLineOut


class PaymentOut(BaseModel):
    id: UUID
    attempt: int
    status: str
    amount_minor: int
    currency: str
    payment_method_id: str | None
    failure_code: str | None
    created_at: datetime


class RefundOut(BaseModel):
    id: UUID
    amount_minor: int
    currency: str
    reason: str | None
    status: str
    created_at: datetime


class InvoiceSummaryOut(BaseModel):
    id: UUID
    number: str
    user_id: str | None
    session_id: str | None
    charge_point_id: str | None
    connector_id: int | None
    status: str
    currency: str
    subtotal_minor: int
    vat_rate_bp: int
    vat_minor: int
    total_minor: int
    amount_paid_minor: int
    amount_refunded_minor: int
    failed_attempts: int
    next_attempt_at: datetime | None
    last_payment_error: str | None
    issued_at: datetime
    paid_at: datetime | None


class InvoiceOut(InvoiceSummaryOut):
    session_started_at: datetime | None
    session_stopped_at: datetime | None
    charging_ended_at: datetime | None
    energy_wh: int | None
    tariff_id: UUID | None
    lines: list[PricedLineOut]
    payments: list[PaymentOut]
    refunds: list[RefundOut]


class PayRequest(BaseModel):
    payment_method_id: str | None = Field(
        default=None, max_length=255, description="one of your saved methods; default if absent"
    )


class RefundCreate(BaseModel):
    amount_minor: int | None = Field(
        default=None, gt=0, le=100_000_000, description="absent: everything not yet refunded"
    )
    reason: str = Field(min_length=3, max_length=500)
