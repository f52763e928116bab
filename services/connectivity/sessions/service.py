"""Rules of charging sessions: Authorize decisions, transactions of both versions, samples."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg
import structlog

from services.connectivity.access import sees_all_sessions
from services.connectivity.bookings import service as booking_holds
from services.connectivity.sessions import repository, restrictions
from services.connectivity.sessions.samples import parse_time, progress
from services.connectivity.sessions.schemas import (
    Sample,
    SampleOut,
    SessionOut,
    TransactionSamples,
)
from shared.auth.jwt import Principal
from shared.clock import utc_now
from shared.db import Connection
from shared.events.charging import SessionStarted, SessionStopped, SessionUpdated
from shared.events.identity import IdTokenDecisionChanged
from shared.outbox import enqueue
from shared.problems import NotFound

log = structlog.get_logger(__name__)
SOURCE = "connectivity"


def canonical_id_tag(id_tag: str) -> str:
    """One spelling per card: identity stores uids upper-cased; readers send either case."""
    return id_tag.strip().upper()


@dataclass(frozen=True)
class Decision:
    status: str
    user_id: str | None = None
    expires_at: datetime | None = None


# -- id-token decisions -------------------------------------------------------------------------


async def apply_id_token_decision(conn: Connection, event: IdTokenDecisionChanged) -> None:
    uid = canonical_id_tag(event.uid)
    await repository.upsert_id_token(
        conn, uid, event.kind, event.user_id, event.decision, event.expires_at
    )
    await restrictions.apply(conn, uid, event)


async def authorize(
    conn: Connection,
    cp_id: str,
    id_tag: str,
    *,
    connector_id: int | None = None,
    transaction_id: str | None = None,
) -> Decision:
    """The answer for a token from the local copy of identity's decisions (works offline)."""
    id_tag = canonical_id_tag(id_tag)
    token = await repository.id_token(conn, id_tag)
    if token is None:
        return Decision("Invalid")
    user_id, expires_at = token["user_id"], token["expires_at"]
    if token["decision"] != "Accepted":
        return Decision(token["decision"], user_id, expires_at)
    if expires_at is not None and expires_at <= utc_now():
        return Decision("Expired", user_id, expires_at)
    refused = await restrictions.refusal(conn, id_tag, cp_id, connector_id, transaction_id)
    if refused is not None:  # a hold token at another connector, or used already
        return Decision(refused, user_id, expires_at)
    if await repository.active_session_of_token(
        conn, id_tag, except_cp=cp_id if transaction_id else None, except_tx=transaction_id
    ):
        return Decision("ConcurrentTx", user_id, expires_at)
    if connector_id is not None:
        reservation = await repository.reservation_for(conn, cp_id, connector_id)
        if reservation is not None and canonical_id_tag(reservation["id_tag"]) != id_tag:
            # A reserved connector accepts only the reserving token.
            return Decision("Invalid", user_id, expires_at)
        if await booking_holds.held_for_someone_else(conn, cp_id, connector_id, user_id):
            # Booked on the platform for another driver (whatever the charger answered).
            return Decision("Invalid", user_id, expires_at)
    return Decision("Accepted", user_id, expires_at)


# -- samples ------------------------------------------------------------------------------------


async def record_samples(
    conn: Connection, session_id: UUID, samples: Sequence[Sample], throttle_s: float
) -> None:
    """Store samples (a repeat changes nothing) and publish a throttled session.updated."""
    if not samples:
        return
    await repository.insert_samples(conn, session_id, samples)
    seen = progress(samples)
    row = await repository.apply_progress(
        conn,
        session_id,
        seen.register_wh,
        seen.latest_at,
        seen.power_w,
        seen.soc_percent,
        throttle_s,
    )
    if row is not None and row["update_due"]:
        await enqueue(
            conn,
            SessionUpdated(
                session_id=str(row["id"]),
                charge_point_id=row["charge_point_id"],
                energy_wh=row["energy_wh"],
                power_w=row["power_w"],
                soc_percent=row["soc_percent"],
                at=utc_now(),
            ),
            source=SOURCE,
            subject=str(row["id"]),
            key=row["charge_point_id"],
        )


async def record_transaction_samples(
    conn: Connection, batches: Sequence[TransactionSamples], throttle_s: float
) -> None:
    """Samples buffered from MeterValues of many chargers: one lookup, one write per session."""
    merged: dict[tuple[str, str], list[Sample]] = {}
    for batch in batches:
        merged.setdefault((batch.cp_id, batch.transaction_id), []).extend(batch.samples)
    sessions = await repository.sessions_by_transactions(conn, list(merged))
    for key, samples in merged.items():
        session_id = sessions.get(key)
        if session_id is None:
            log.info(
                "charging.samples.unknown_transaction",
                charge_point_id=key[0],
                transaction_id=key[1],
            )
            continue
        await record_samples(conn, session_id, samples, throttle_s)


# -- transactions -------------------------------------------------------------------------------


async def _publish_started(conn: Connection, row: asyncpg.Record) -> None:
    await enqueue(
        conn,
        SessionStarted(
            session_id=str(row["id"]),
            charge_point_id=row["charge_point_id"],
            connector_id=row["connector_id"],
            evse_id=row["evse_id"],
            transaction_id=row["transaction_id"],
            id_tag=row["id_tag"],
            user_id=row["user_id"],
            authorization=row["auth_status"],
            reservation_id=row["reservation_id"],
            started_at=row["started_at"],
            meter_start_wh=row["meter_start_wh"],
        ),
        source=SOURCE,
        subject=str(row["id"]),
        key=row["charge_point_id"],
    )
    log.info(
        "charging.session.started",
        session_id=str(row["id"]),
        charge_point_id=row["charge_point_id"],
    )


async def publish_stopped(
    conn: Connection, row: asyncpg.Record, drawing_threshold_w: float = 100.0
) -> None:
    stopped_at = row["stopped_at"]
    drawing = await repository.last_drawing_at(
        conn, row["id"], drawing_threshold_w, row["started_at"]
    )
    await enqueue(
        conn,
        SessionStopped(
            session_id=str(row["id"]),
            charge_point_id=row["charge_point_id"],
            connector_id=row["connector_id"],
            evse_id=row["evse_id"],
            transaction_id=row["transaction_id"],
            id_tag=row["id_tag"],
            user_id=row["user_id"],
            started_at=row["started_at"],
            stopped_at=stopped_at,
            duration_s=max(int((stopped_at - row["started_at"]).total_seconds()), 0),
            energy_wh=row["energy_wh"],
            stop_reason=row["stop_reason"],
            charging_ended_at=min(drawing, stopped_at) if drawing else None,
        ),
        source=SOURCE,
        subject=str(row["id"]),
        key=row["charge_point_id"],
    )
    log.info(
        "charging.session.stopped",
        session_id=str(row["id"]),
        charge_point_id=row["charge_point_id"],
        energy_wh=row["energy_wh"],
    )


async def start_transaction(
    conn: Connection,
    cp_id: str,
    *,
    connector_id: int,
    id_tag: str | None,
    meter_start: int,
    timestamp: str | None,
    reservation_id: int | None,
) -> tuple[int, Decision]:
    """OCPP 1.6 StartTransaction: a resent start (after a reconnect) gets the same transactionId.

    Without an id tag (the charger's could not be stored) the start is kept and answered
    `Invalid`, so it is never billed and the charger stops it.
    """
    started_at = parse_time(timestamp) if timestamp else utc_now()
    id_tag = canonical_id_tag(id_tag) if id_tag is not None else None
    existing = await repository.session_by_start(conn, cp_id, connector_id, id_tag, started_at)
    if existing is not None:
        return int(existing["transaction_id"]), Decision(
            existing["auth_status"], existing["user_id"]
        )
    if id_tag is None:
        decision = Decision("Invalid")
    else:
        decision = await authorize(conn, cp_id, id_tag, connector_id=connector_id)
    if reservation_id is not None and id_tag is not None and decision.status == "Invalid":
        reservation = await repository.reservation_for(conn, cp_id, connector_id)
        if (
            reservation is not None
            and reservation["reservation_id"] == reservation_id
            and canonical_id_tag(reservation["id_tag"]) == id_tag
        ):
            decision = Decision("Accepted", decision.user_id)
    transaction_id = await repository.next_transaction_id(conn)
    row = await repository.insert_session(
        conn,
        {
            "id": uuid.uuid4(),
            "charge_point_id": cp_id,
            "ocpp_version": "1.6",
            "connector_id": connector_id,
            "evse_id": None,
            "transaction_id": str(transaction_id),
            "id_tag": id_tag,
            "user_id": decision.user_id,
            "auth_status": decision.status,
            "reservation_id": reservation_id,
            "started_at": started_at,
            "meter_start_wh": meter_start,
        },
    )
    if row is None:  # a concurrent replay won the race
        again = await repository.session_by_start(conn, cp_id, connector_id, id_tag, started_at)
        assert again is not None
        return int(again["transaction_id"]), Decision(again["auth_status"], again["user_id"])
    if reservation_id is not None:
        await repository.end_reservation(conn, cp_id, reservation_id, "used")
    if decision.status == "Accepted":
        await _publish_started(conn, row)
    return transaction_id, decision


async def stop_transaction(
    conn: Connection,
    cp_id: str,
    *,
    transaction_id: int,
    meter_stop: int | None,
    timestamp: str | None,
    reason: str | None,
    id_tag: str | None,
    samples: Sequence[Sample],
    throttle_s: float,
    drawing_threshold_w: float = 100.0,
) -> Decision | None:
    """OCPP 1.6 StopTransaction; a repeated stop changes nothing. Always answerable.

    `samples` include the MeterValues still buffered for this transaction, so the final
    figures are written in the stop's own transaction. Without `meter_stop` (the charger's
    could not be stored) the last known register counts.
    """
    session = await repository.session_by_transaction(
        conn, cp_id, str(transaction_id), for_update=True
    )
    decision = Decision("Accepted") if id_tag is None else None
    if id_tag is not None:
        token = await repository.id_token(conn, canonical_id_tag(id_tag))
        decision = Decision(token["decision"] if token else "Invalid")
    if session is None:
        log.warning(
            "charging.stop.unknown_transaction",
            charge_point_id=cp_id,
            transaction_id=transaction_id,
        )
        return decision
    if session["status"] == "stopped":
        return decision
    await record_samples(conn, session["id"], samples, throttle_s)
    stopped_at = parse_time(timestamp) if timestamp else utc_now()
    row = await repository.stop_session(
        conn, session["id"], stopped_at, meter_stop, reason or "Local"
    )
    if row["auth_status"] == "Accepted":
        await publish_stopped(conn, row, drawing_threshold_w)
    return decision


async def transaction_event(
    conn: Connection,
    cp_id: str,
    *,
    event_type: str,
    transaction_id: str,
    timestamp: str | None,
    evse_id: int | None,
    connector_id: int | None,
    id_token: str | None,
    stopped_reason: str | None,
    samples: Sequence[Sample],
    throttle_s: float,
    drawing_threshold_w: float = 100.0,
) -> Decision | None:
    """OCPP 2.0.1 TransactionEvent Started/Updated/Ended; repeats change nothing."""
    at = parse_time(timestamp) if timestamp else utc_now()
    id_token = canonical_id_tag(id_token) if id_token is not None else None
    session = await repository.session_by_transaction(conn, cp_id, transaction_id, for_update=True)
    decision: Decision | None = None
    if id_token is not None:
        if session is not None and session["id_tag"] == id_token:
            decision = Decision(session["auth_status"], session["user_id"])
        else:
            # 2.0.1 reserves EVSEs: holds and reservations are per EVSE id.
            decision = await authorize(
                conn,
                cp_id,
                id_token,
                transaction_id=transaction_id,
                connector_id=evse_id if evse_id is not None else connector_id,
            )
    if session is None:
        register = progress(samples).register_wh
        session = await repository.insert_session(
            conn,
            {
                "id": uuid.uuid4(),
                "charge_point_id": cp_id,
                "ocpp_version": "2.0.1",
                "connector_id": connector_id or 1,
                "evse_id": evse_id,
                "transaction_id": transaction_id,
                "id_tag": id_token,
                "user_id": decision.user_id if decision else None,
                "auth_status": decision.status if decision else "Pending",
                "reservation_id": None,
                "started_at": at,
                "meter_start_wh": register or 0,
            },
        )
        assert session is not None
        if session["auth_status"] == "Accepted":
            await _publish_started(conn, session)
    elif id_token is not None and session["id_tag"] != id_token and decision is not None:
        # Authorised after the transaction began (e.g. plug-in first, then badge).
        await repository.set_auth(conn, session["id"], id_token, decision.user_id, decision.status)
        if session["auth_status"] != "Accepted" and decision.status == "Accepted":
            refreshed = await repository.get_session(conn, session["id"])
            assert refreshed is not None
            await _publish_started(conn, refreshed)
        session = await repository.get_session(conn, session["id"])
        assert session is not None
    if session["status"] == "stopped":
        return decision
    await record_samples(conn, session["id"], samples, throttle_s)
    if event_type == "Ended":
        register = progress(samples).register_wh
        row = await repository.stop_session(
            conn, session["id"], at, register, stopped_reason or "Local"
        )
        if row["auth_status"] == "Accepted":
            await publish_stopped(conn, row, drawing_threshold_w)
    return decision


# -- reading (drivers their own, staff all) --------------------------------------------------


def to_out(row: asyncpg.Record) -> SessionOut:
    end = row["stopped_at"] or utc_now()
    return SessionOut(
        id=str(row["id"]),
        charge_point_id=row["charge_point_id"],
        connector_id=row["connector_id"],
        evse_id=row["evse_id"],
        transaction_id=row["transaction_id"],
        id_tag=row["id_tag"],
        user_id=row["user_id"],
        authorization=row["auth_status"],
        status=row["status"],
        started_at=row["started_at"],
        stopped_at=row["stopped_at"],
        duration_s=max(int((end - row["started_at"]).total_seconds()), 0),
        meter_start_wh=row["meter_start_wh"],
        meter_stop_wh=row["meter_stop_wh"],
        energy_wh=row["energy_wh"],
        power_w=row["power_w"],
        soc_percent=row["soc_percent"],
        stop_reason=row["stop_reason"],
    )


async def list_sessions(
    conn: Connection,
    principal: Principal,
    *,
    charge_point_id: str | None,
    status: str | None,
    limit: int,
    offset: int,
) -> list[SessionOut]:
    user_id = None if sees_all_sessions(principal) else principal.subject
    rows = await repository.list_sessions(
        conn,
        user_id=user_id,
        charge_point_id=charge_point_id,
        status=status,
        limit=limit,
        offset=offset,
    )
    return [to_out(row) for row in rows]


async def _visible(conn: Connection, principal: Principal, session_id: str) -> asyncpg.Record:
    try:
        key = UUID(session_id)
    except ValueError:
        raise NotFound(f"No session {session_id}.") from None
    row = await repository.get_session(conn, key)
    if row is None or (not sees_all_sessions(principal) and row["user_id"] != principal.subject):
        raise NotFound(f"No session {session_id}.")
    return row


async def get_session(conn: Connection, principal: Principal, session_id: str) -> SessionOut:
    return to_out(await _visible(conn, principal, session_id))


async def session_samples(
    conn: Connection, principal: Principal, session_id: str, limit: int
) -> list[SampleOut]:
    row = await _visible(conn, principal, session_id)
    return [SampleOut(**dict(r)) for r in await repository.samples(conn, row["id"], limit)]
