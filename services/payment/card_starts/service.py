"""The rules of starting with the saved card: who may, where, and the start itself.

The start is a row of `holds` of kind card with no amount and no PaymentIntent: the same
one-time id-token, identity decision, remote start, deadline, progress and stop as a hold
(`holds/service.py`), but authorised at once by the driver's standing, and billed at the stop
by the ordinary collector, exactly as an RFID session of that driver.
"""

from __future__ import annotations

import asyncpg
import structlog

from services.payment.connectors.service import check_startable
from services.payment.customers.standing import current_standing
from services.payment.holds import service as holds
from services.payment.settings import Settings
from services.payment.tariffs import service as tariffs
from shared.db import Connection
from shared.problems import Conflict

log = structlog.get_logger(__name__)


class NoPaymentMethod(Conflict):
    slug = "no-payment-method"


class PaymentOverdue(Conflict):
    slug = "payment-overdue"


async def check_standing(conn: Connection, user_id: str) -> None:
    """Identity's rule for the driver's RFID cards: a usable method (or an active
    subscription) and no overdue invoice."""
    standing = await current_standing(conn, user_id)
    if standing.has_overdue_invoice:
        raise PaymentOverdue("You have an unpaid invoice: pay it before starting with your card.")
    if not (standing.has_payment_method or standing.subscription_active):
        raise NoPaymentMethod("You have no saved card: add one, or pay as you go.")


async def start(
    conn: Connection, settings: Settings, *, user_id: str, cp_id: str, connector_id: int
) -> asyncpg.Record:
    await holds.check_connector(conn, cp_id, connector_id)
    await check_standing(conn, user_id)
    await check_startable(conn, cp_id, connector_id, user_id)
    tariff = await tariffs.in_force(conn, cp_id, connector_id, holds.now())
    row = await holds.insert_start(
        conn,
        kind=holds.CARD,
        user_id=user_id,
        cp_id=cp_id,
        connector_id=connector_id,
        amount_minor=None,
        currency=tariff.currency if tariff else settings.default_currency,
    )
    row = await holds.authorize(conn, row, settings)
    log.info("payment.card_start.authorized", hold_id=str(row["id"]), charge_point_id=cp_id)
    return row
