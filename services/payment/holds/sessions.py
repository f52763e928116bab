"""An app start's session as it runs and ends: the charger started it with the one-time token,
its progress (and the stop once a hold's amount is nearly used), and what its stop settles.

Events are compared with the stored state, never by arrival order (see `service.py`).
"""

from __future__ import annotations

from datetime import datetime

import asyncpg
import structlog

from services.payment.holds import repository, service
from services.payment.settings import Settings
from services.payment.tariffs import service as tariffs
from services.payment.tariffs.pricing import SessionFacts, price_session
from shared.db import Connection
from shared.events.charging import SessionStarted, SessionStopped, SessionUpdated

log = structlog.get_logger(__name__)


async def on_session_started(conn: Connection, started: SessionStarted) -> None:
    if not started.id_tag:
        return
    hold = await repository.by_field(conn, "id_token", started.id_tag)
    if (
        hold is None
        or hold["status"] not in service.BEFORE_START
        or started.authorization != "Accepted"
        or hold["charge_point_id"] != started.charge_point_id
        or hold["connector_id"] != started.connector_id
    ):
        return
    await repository.update(
        conn,
        hold["id"],
        status="charging",
        session_id=started.session_id,
        transaction_id=started.transaction_id,
        session_started_at=started.started_at,
        energy_wh=0,
    )
    log.info("payment.hold.charging", hold_id=str(hold["id"]), session_id=started.session_id)


async def on_session_updated(conn: Connection, updated: SessionUpdated, settings: Settings) -> None:
    """Progress for the payer to follow; and a stop once the price nears the amount held."""
    hold = await repository.by_field(conn, "session_id", updated.session_id)
    if hold is None or hold["status"] != "charging":
        return
    hold = await repository.update(
        conn, hold["id"], energy_wh=updated.energy_wh, power_w=updated.power_w
    )
    if (
        hold["amount_minor"] is None  # a start billed to the saved card: no limit, as with RFID
        or hold["stop_requested_at"] is not None
        or hold["session_started_at"] is None
    ):
        return
    so_far = await price_so_far(conn, hold, updated.at)
    if so_far is not None and so_far * 10_000 >= hold["amount_minor"] * settings.hold_stop_at_bp:
        log.info("payment.hold.limit_reached", hold_id=str(hold["id"]), price_minor=so_far)
        await service.send_stop(conn, hold, settings)


async def price_so_far(conn: Connection, hold: asyncpg.Record, at: datetime) -> int | None:
    """What the session would cost if it stopped at `at` (the tariff in force at its start)."""
    tariff = await tariffs.in_force(
        conn, hold["charge_point_id"], hold["connector_id"], hold["session_started_at"]
    )
    if tariff is None:
        return None
    facts = SessionFacts(
        started_at=hold["session_started_at"],
        stopped_at=max(at, hold["session_started_at"]),
        energy_wh=int(hold["energy_wh"] or 0),
    )
    return price_session(tariffs.terms_of(tariff), facts).total_minor


async def hold_for_stop(conn: Connection, stopped: SessionStopped) -> asyncpg.Record | None:
    """The open hold this stopped session was started with, if any."""
    if not stopped.id_tag:
        return None
    hold = await repository.by_field(conn, "id_token", stopped.id_tag)
    if (
        hold is None
        or hold["status"] not in ("authorized", "starting", "charging")  # the token was valid
        or hold["charge_point_id"] != stopped.charge_point_id
        or hold["session_id"] not in (None, stopped.session_id)
    ):
        return None
    return hold


async def settle_on_stop(
    conn: Connection,
    hold: asyncpg.Record,
    stopped: SessionStopped,
    invoice: asyncpg.Record,
    settings: Settings,
) -> None:
    """The session's invoice is issued. A hold: the worker captures its total and releases the
    rest. A start with the saved card: the collector charges the invoice as for an RFID
    session, and the token is spent now."""
    if hold["kind"] == service.CARD:
        row = await repository.update(
            conn,
            hold["id"],
            status="billed",
            session_id=stopped.session_id,
            invoice_id=invoice["id"],
        )
        await service.publish_closed(conn, row, "billed", None, settings)
        log.info(
            "payment.card_start.billed", hold_id=str(hold["id"]), invoice_id=str(invoice["id"])
        )
        return
    capture = min(int(invoice["total_minor"]), int(hold["amount_minor"]))
    if capture < invoice["total_minor"]:
        log.warning(
            "payment.hold.exceeded",
            hold_id=str(hold["id"]),
            total_minor=invoice["total_minor"],
            amount_minor=hold["amount_minor"],
        )
    await repository.update(
        conn,
        hold["id"],
        status="settling",
        session_id=stopped.session_id,
        invoice_id=invoice["id"],
        capture_minor=capture,
    )
