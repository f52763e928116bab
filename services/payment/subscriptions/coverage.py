"""What a driver's plan covers of a session's price: the billing pricing step's hook.

The invoice keeps every tariff line and adds one negative SUBSCRIPTION line, so the driver sees
what the session would have cost and what the plan took over; VAT is then computed once on the
sum of the lines (the rounding rule of pricing.py). Idle fees (PARKING_TIME) are never covered:
they exist to free the connector, a subscription does not buy the right to block it.

- unlimited: the whole session except idle fees.
- allowance: energy up to what is left of `allowance_wh` in the subscription's current billing
  period (the energy lines pro rata to the covered kWh, rounded half-up), with the session's
  flat and time components; energy beyond it (overage) is billed at the tariff. The covered
  energy is recorded per session, once (a redelivered stop finds it and covers the same).
- A plan limited to some chargers covers only sessions at those chargers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from services.payment.subscriptions import repository
from services.payment.tariffs.pricing import Price, PricedLine, round_half_up
from shared.db import Connection
from shared.events.charging import SessionStopped


def _month_start(at: datetime) -> datetime:
    at = at.astimezone(UTC)
    return datetime(at.year, at.month, 1, tzinfo=UTC)


async def cover(conn: Connection, stopped: SessionStopped, price: Price) -> Price:
    if stopped.user_id is None or not price.lines:
        return price
    plan = await repository.covering(conn, stopped.user_id, stopped.charge_point_id)
    if plan is None:
        return price
    coverable = [line for line in price.lines if line.component != "PARKING_TIME"]
    if plan["kind"] == "unlimited":
        covered = sum(line.amount_minor for line in coverable)
        description = f"{plan['name']}: charging covered by your subscription"
    else:
        period = plan["current_period_start"] or _month_start(stopped.started_at)
        used = await repository.used_wh(conn, plan["id"], period, stopped.session_id)
        left = max(0, int(plan["allowance_wh"]) - used)
        covered_wh = min(stopped.energy_wh, left)
        if covered_wh == 0:
            return price  # allowance used up: the whole session is overage, at the tariff
        await repository.record_usage(conn, stopped.session_id, plan["id"], period, covered_wh)
        energy = sum(line.amount_minor for line in coverable if line.component == "ENERGY")
        others = sum(line.amount_minor for line in coverable if line.component != "ENERGY")
        share = Decimal(energy) * covered_wh / stopped.energy_wh if stopped.energy_wh else 0
        covered = others + round_half_up(Decimal(share))
        overage_wh = stopped.energy_wh - covered_wh
        description = f"{plan['name']}: {covered_wh / 1000:g} kWh of your allowance" + (
            f", {overage_wh / 1000:g} kWh over it at the tariff" if overage_wh else ""
        )
    if covered <= 0:
        return price
    lines = [
        *price.lines,
        PricedLine("SUBSCRIPTION", description, Decimal(1), "session", -covered, -covered),
    ]
    subtotal = sum(line.amount_minor for line in lines)
    vat = round_half_up(Decimal(subtotal) * price.vat_rate_bp / 10_000)
    return Price(price.currency, price.vat_rate_bp, lines, subtotal, vat, subtotal + vat)
