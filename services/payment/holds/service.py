"""The rules of an app start: open it, learn it is authorised, start and stop the charger (its
running session and what the stop settles: `sessions.py`).

A hold is a manual-capture PaymentIntent standing behind a one-time id-token; a start with the
saved card (kind card) is the same without the PaymentIntent. Its states
(`holds.status`) only move forward; every event (webhook, identity's decision, the charger's
answer, session events) is applied by comparing it with the stored state, never by its order
of arrival, so a late or repeated event changes nothing. Stripe is never called here: the
router (opening) and the worker (capture, release) call it outside any transaction.
"""

from __future__ import annotations

import base64
import secrets
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import structlog

from services.payment.holds import repository
from services.payment.settings import Settings
from services.payment.stripe_objects import PaymentIntentInfo
from services.payment.tariffs import service as tariffs
from shared.db import Connection
from shared.events.commands import CommandCompleted, CommandRequested
from shared.events.identity import IdTokenDecisionChanged
from shared.events.payment import HoldAuthorized, HoldClosed
from shared.outbox import enqueue
from shared.problems import Conflict, NotFound

log = structlog.get_logger(__name__)
SOURCE = "payment"
START_SCOPE = "commands:start"
OPEN = ("awaiting_payment", "authorized", "starting", "charging")
BEFORE_START = ("awaiting_payment", "authorized", "starting")
COMMAND_TIMEOUT_S = 60.0
# A start billed to the saved card after the session (no money held): see card_starts/.
CARD = "card"


def now() -> datetime:
    return datetime.now(UTC)


def new_id_token() -> str:
    """19 random base32 characters after an H: 95 bits, within OCPP 1.6's 20-character idTag."""
    return "H" + base64.b32encode(secrets.token_bytes(12)).decode()[:19]


async def check_connector(conn: Connection, cp_id: str, connector_id: int) -> asyncpg.Record:
    """The charger must be known and approved, the connector exist and have a price in force."""
    charger = await repository.charge_point(conn, cp_id)
    if (
        charger is None
        or charger["approval"] != "approved"
        or not 1 <= connector_id <= charger["connectors"]
    ):
        raise NotFound(f"No connector {connector_id} at charge point {cp_id}.")
    return charger


async def insert_hold(
    conn: Connection,
    settings: Settings,
    *,
    kind: str,
    user_id: str | None,
    cp_id: str,
    connector_id: int,
) -> asyncpg.Record:
    """A hold (kind driver or guest) of the configured amount, awaiting the payer's card."""
    await check_connector(conn, cp_id, connector_id)
    price = await tariffs.price_for_connector(conn, cp_id, connector_id)
    if price.currency != settings.default_currency:
        # The hold amount is a setting in the default currency; a tariff in another currency
        # would need its own (not configurable yet).
        raise Conflict("This connector is priced in a currency holds do not support.")
    return await insert_start(
        conn,
        kind=kind,
        user_id=user_id,
        cp_id=cp_id,
        connector_id=connector_id,
        amount_minor=settings.hold_amount_minor,
        currency=price.currency,
    )


async def insert_start(
    conn: Connection,
    *,
    kind: str,
    user_id: str | None,
    cp_id: str,
    connector_id: int,
    amount_minor: int | None,
    currency: str,
) -> asyncpg.Record:
    """The row of an app start with its one-time id-token: a hold, or (kind card, no amount) a
    start billed to the saved card."""
    row = await repository.insert(
        conn,
        {
            "id": uuid.uuid4(),
            "kind": kind,
            "user_id": user_id,
            "charge_point_id": cp_id,
            "connector_id": connector_id,
            "id_token": new_id_token(),
            "amount_minor": amount_minor,
            "currency": currency,
        },
    )
    log.info("payment.hold.opened", hold_id=str(row["id"]), kind=kind, charge_point_id=cp_id)
    return row


async def attach_intent(
    conn: Connection, hold_id: UUID, intent: PaymentIntentInfo
) -> asyncpg.Record:
    row = await repository.get(conn, hold_id, for_update=True)
    assert row is not None
    if row["stripe_payment_intent_id"] is None:
        row = await repository.update(
            conn,
            hold_id,
            stripe_payment_intent_id=intent.id,
            client_secret=intent.client_secret,
        )
    return row


async def cancel(
    conn: Connection, hold: asyncpg.Record, reason: str, settings: Settings
) -> asyncpg.Record:
    """Give the hold up before the session is settled; the worker then releases the money."""
    if hold["status"] not in OPEN:
        return hold
    row = await repository.update(
        conn,
        hold["id"],
        status="canceled",
        cancel_reason=reason,
        # An intent nobody confirmed reserves nothing: nothing to release.
        released=hold["stripe_payment_intent_id"] is None,
    )
    await publish_closed(conn, row, "released", reason, settings)
    log.info("payment.hold.canceled", hold_id=str(row["id"]), reason=reason)
    return row


async def publish_closed(
    conn: Connection, hold: asyncpg.Record, outcome: str, reason: str | None, settings: Settings
) -> None:
    await enqueue(
        conn,
        HoldClosed(
            hold_id=str(hold["id"]), id_token=hold["id_token"], outcome=outcome, reason=reason
        ),
        source=SOURCE,
        subject=str(hold["id"]),
        topic=settings.holds_topic,
    )


async def apply_intent(
    conn: Connection, hold_id: UUID, intent: PaymentIntentInfo, settings: Settings
) -> asyncpg.Record | None:
    """The PaymentIntent's state, from a webhook or a read-back: authorised -> start."""
    hold = await repository.get(conn, hold_id, for_update=True)
    if hold is None or hold["status"] != "awaiting_payment":
        return hold  # already past this point (or unknown): an older state arriving late
    if intent.status == "requires_capture":
        hold = await authorize(conn, hold, settings)
        log.info("payment.hold.authorized", hold_id=str(hold_id), amount_minor=intent.amount)
    elif intent.status == "canceled":
        hold = await cancel(conn, hold, "payment-canceled", settings)
    return hold


async def authorize(conn: Connection, hold: asyncpg.Record, settings: Settings) -> asyncpg.Record:
    """Payment stands behind the start: identity is asked (`hold.authorized`) to accept the
    one-time token at this connector until the start deadline; the charger is started once it
    has (`on_decision`)."""
    deadline = now() + timedelta(seconds=settings.hold_start_timeout_s)
    hold = await repository.update(conn, hold["id"], status="authorized", start_deadline=deadline)
    await enqueue(
        conn,
        HoldAuthorized(
            hold_id=str(hold["id"]),
            id_token=hold["id_token"],
            user_id=hold["user_id"],
            charge_point_id=hold["charge_point_id"],
            connector_id=hold["connector_id"],
            expires_at=deadline,
        ),
        source=SOURCE,
        subject=str(hold["id"]),
        topic=settings.holds_topic,
    )
    return hold


def start_command(hold: asyncpg.Record, ocpp_version: str) -> tuple[str, dict[str, Any]]:
    """RemoteStartTransaction (1.6) or RequestStartTransaction (2.0.1) with the hold's token."""
    if ocpp_version.startswith("2"):
        remote_start_id = zlib.crc32(hold["id"].bytes) & 0x7FFFFFFF
        return "RequestStartTransaction", {
            "remoteStartId": remote_start_id,
            "evseId": hold["connector_id"],
            "idToken": {"idToken": hold["id_token"], "type": "Central"},
        }
    return "RemoteStartTransaction", {
        "connectorId": hold["connector_id"],
        "idTag": hold["id_token"],
    }


def stop_command(hold: asyncpg.Record, ocpp_version: str) -> tuple[str, dict[str, Any]]:
    if ocpp_version.startswith("2"):
        return "RequestStopTransaction", {"transactionId": hold["transaction_id"]}
    return "RemoteStopTransaction", {"transactionId": int(hold["transaction_id"])}


async def _request_command(
    conn: Connection,
    hold: asyncpg.Record,
    settings: Settings,
    action: str,
    payload: dict[str, Any],
) -> UUID:
    command_id = uuid.uuid4()
    await enqueue(
        conn,
        CommandRequested(
            command_id=str(command_id),
            charge_point_id=hold["charge_point_id"],
            action=action,
            payload=payload,
            timeout_s=COMMAND_TIMEOUT_S,
            requested_by=settings.service_account,
            requested_scopes=[START_SCOPE],
        ),
        source=SOURCE,
        subject=str(command_id),
        key=hold["charge_point_id"],
    )
    log.info("payment.hold.command", hold_id=str(hold["id"]), action=action)
    return command_id


async def _ocpp_version(conn: Connection, cp_id: str) -> str:
    charger = await repository.charge_point(conn, cp_id)
    return str(charger["ocpp_version"]) if charger else "1.6"


async def on_decision(conn: Connection, event: IdTokenDecisionChanged, settings: Settings) -> None:
    """Identity accepted the hold's token (chargers can now be told it): start the charger.
    Refused (a driver's account disabled): release the hold."""
    if event.kind != "hold":
        return
    hold = await repository.by_field(conn, "id_token", event.uid)
    if hold is None or hold["status"] != "authorized":
        return
    if event.decision != "Accepted":
        await cancel(conn, hold, f"token-{event.decision.lower()}", settings)
        return
    version = await _ocpp_version(conn, hold["charge_point_id"])
    action, payload = start_command(hold, version)
    command_id = await _request_command(conn, hold, settings, action, payload)
    await repository.update(conn, hold["id"], status="starting", start_command_id=command_id)


async def on_command_result(conn: Connection, event: CommandCompleted, settings: Settings) -> None:
    """The charger refused the remote start, or could not be reached: release the hold."""
    try:
        command_id = UUID(event.command_id)
    except ValueError:
        return
    hold = await repository.by_field(conn, "start_command_id", command_id)
    if hold is None or hold["status"] not in BEFORE_START:
        return
    status = (event.response or {}).get("status")
    if event.outcome == "Answered" and status == "Accepted":
        return  # the session follows (session.started); the deadline covers a silent charger
    reason = f"charger-{(status or event.outcome).lower()}"
    await cancel(conn, hold, reason, settings)


async def request_stop(
    conn: Connection, hold: asyncpg.Record, settings: Settings
) -> asyncpg.Record:
    """The payer wants to stop: the charger is told to end the session, or the hold is given up
    if nothing started yet."""
    if hold["status"] in BEFORE_START:
        return await cancel(conn, hold, "stopped-by-payer", settings)
    if hold["status"] != "charging" or not hold["transaction_id"]:
        raise Conflict("The session is already over.")
    return await send_stop(conn, hold, settings)


async def send_stop(conn: Connection, hold: asyncpg.Record, settings: Settings) -> asyncpg.Record:
    version = await _ocpp_version(conn, hold["charge_point_id"])
    action, payload = stop_command(hold, version)
    await _request_command(conn, hold, settings, action, payload)
    return await repository.update(conn, hold["id"], stop_requested_at=now())
