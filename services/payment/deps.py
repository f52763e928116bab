"""What the payment service's routers and workers share: Stripe, the dispatch table, settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import asyncpg
from fastapi import Depends, Request

from services.payment.billing.collector import Collector
from services.payment.settings import Settings
from services.payment.stripe_gateway import StripeGateway
from services.payment.webhooks.dispatch import WebhookDispatcher
from shared.auth.deps import require_roles
from shared.auth.jwt import Principal
from shared.problems import Unavailable
from shared.service import ServiceRuntime


@dataclass
class PaymentContext:
    runtime: ServiceRuntime
    settings: Settings
    stripe: StripeGateway
    dispatcher: WebhookDispatcher
    collector: Collector

    @property
    def pool(self) -> asyncpg.Pool:
        if self.runtime.pool is None:
            raise Unavailable("The service is starting; its database is not connected yet.")
        return self.runtime.pool


def get_payments(request: Request) -> PaymentContext:
    payments: PaymentContext = request.app.state.payments
    return payments


Payments = Annotated[PaymentContext, Depends(get_payments)]

# Roles of the payment service's routes (the role matrix is in the README).
DriverPrincipal = Annotated[Principal, Depends(require_roles("driver"))]
TariffManager = Annotated[Principal, Depends(require_roles("operator", "admin"))]
Refunder = Annotated[Principal, Depends(require_roles("support", "operator", "admin"))]
StaffReader = Annotated[Principal, Depends(require_roles("support", "operator", "admin"))]
