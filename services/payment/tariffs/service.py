"""Rules of tariffs: operators create and end them; anyone reads the price in force."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import asyncpg
import structlog

from services.payment.settings import Settings
from services.payment.tariffs import repository
from services.payment.tariffs.pricing import (
    Price,
    SessionFacts,
    TariffTerms,
    price_session,
    round_half_up,
)
from services.payment.tariffs.schemas import (
    ConnectorPriceOut,
    PricedLineOut,
    PriceExampleOut,
    TariffCreate,
    TariffElement,
    TariffOut,
    TariffUpdate,
)
from shared.db import Connection
from shared.problems import Invalid, NotFound

log = structlog.get_logger(__name__)
EXAMPLE_WH = 20_000
EXAMPLE_DURATION = timedelta(hours=1)


def now() -> datetime:
    return datetime.now(UTC)


def to_out(row: asyncpg.Record) -> TariffOut:
    return TariffOut(
        id=row["id"],
        name=row["name"],
        currency=row["currency"],
        vat_rate_bp=row["vat_rate_bp"],
        time_zone=row["time_zone"],
        charge_point_ids=list(row["charge_point_ids"]),
        connector_ids=list(row["connector_ids"]),
        elements=[TariffElement.model_validate(e) for e in row["elements"]],
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
        created_at=row["created_at"],
    )


def terms_of(tariff: TariffOut) -> TariffTerms:
    return TariffTerms(
        currency=tariff.currency,
        vat_rate_bp=tariff.vat_rate_bp,
        time_zone=tariff.time_zone,
        elements=tariff.elements,
    )


async def create(
    conn: Connection, data: TariffCreate, settings: Settings, created_by: str
) -> TariffOut:
    valid_from = data.valid_from or now()
    if data.valid_to is not None and data.valid_to <= valid_from:
        raise Invalid("valid_to must be after valid_from.")
    row = await repository.insert(
        conn,
        {
            "name": data.name,
            "currency": data.currency or settings.default_currency,
            "vat_rate_bp": (
                settings.default_vat_rate_bp if data.vat_rate_bp is None else data.vat_rate_bp
            ),
            "time_zone": data.time_zone or settings.tariff_time_zone,
            "charge_point_ids": sorted(set(data.charge_point_ids)),
            "connector_ids": sorted(set(data.connector_ids)),
            "elements": [e.model_dump(mode="json", exclude_none=True) for e in data.elements],
            "valid_from": valid_from,
            "valid_to": data.valid_to,
            "created_by": created_by,
        },
    )
    log.info("payment.tariff.created", tariff_id=str(row["id"]), by=created_by)
    return to_out(row)


async def get(conn: Connection, tariff_id: UUID) -> TariffOut:
    row = await repository.get(conn, tariff_id)
    if row is None:
        raise NotFound(f"No tariff {tariff_id}.")
    return to_out(row)


async def list_tariffs(
    conn: Connection,
    *,
    charge_point_id: str | None,
    active_at: datetime | None,
    limit: int,
    offset: int,
) -> list[TariffOut]:
    rows = await repository.list_all(
        conn, charge_point_id=charge_point_id, active_at=active_at, limit=limit, offset=offset
    )
    return [to_out(row) for row in rows]


async def update(conn: Connection, tariff_id: UUID, data: TariffUpdate) -> TariffOut:
    current = await get(conn, tariff_id)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("valid_to") is not None and changes["valid_to"] <= current.valid_from:
        raise Invalid("valid_to must be after valid_from.")
    if "name" in changes and changes["name"] is None:
        del changes["name"]
    row = await repository.update(conn, tariff_id, changes)
    assert row is not None
    return to_out(row)


async def in_force(
    conn: Connection, charge_point_id: str, connector_id: int, at: datetime
) -> TariffOut | None:
    row = await repository.in_force(conn, charge_point_id, connector_id, at)
    return to_out(row) if row else None


def lines_out(price: Price) -> list[PricedLineOut]:
    return [
        PricedLineOut(
            component=line.component,
            description=line.description,
            quantity=str(line.quantity),
            unit=line.unit,
            unit_price_minor=line.unit_price_minor,
            amount_minor=line.amount_minor,
        )
        for line in price.lines
    ]


def energy_price_incl_vat(tariff: TariffOut, at: datetime) -> int | None:
    """The per-kWh price (incl. VAT) that 1 kWh charged at `at` would cost."""
    price = price_session(terms_of(tariff), SessionFacts(at, at + timedelta(hours=1), 1000))
    energy = [line for line in price.lines if line.component == "ENERGY"]
    if not energy:
        return None
    return round_half_up(
        Decimal(energy[0].unit_price_minor) * (10_000 + tariff.vat_rate_bp) / 10_000
    )


async def price_for_connector(
    conn: Connection, charge_point_id: str, connector_id: int, at: datetime | None = None
) -> ConnectorPriceOut:
    moment = at or now()
    tariff = await in_force(conn, charge_point_id, connector_id, moment)
    if tariff is None:
        raise NotFound(f"No tariff is in force for {charge_point_id} connector {connector_id}.")
    example = price_session(
        terms_of(tariff), SessionFacts(moment, moment + EXAMPLE_DURATION, EXAMPLE_WH)
    )
    return ConnectorPriceOut(
        charge_point_id=charge_point_id,
        connector_id=connector_id,
        at=moment,
        currency=tariff.currency,
        vat_rate_bp=tariff.vat_rate_bp,
        energy_price_per_kwh_incl_vat_minor=energy_price_incl_vat(tariff, moment),
        tariff=tariff,
        example_20_kwh=PriceExampleOut(
            description=(
                "20 kWh charged in one hour starting now, unplugged when charging ends "
                "(no idle time)."
            ),
            energy_kwh=EXAMPLE_WH / 1000,
            lines=lines_out(example),
            subtotal_minor=example.subtotal_minor,
            vat_minor=example.vat_minor,
            total_minor=example.total_minor,
        ),
    )
