"""Rules of the charge point registry: provisioning, credentials, approval, status, presence."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import asyncpg
import structlog

from services.connectivity.chargepoints import repository
from services.connectivity.chargepoints.reports import BootReport, ConnectedCharger, StatusReport
from services.connectivity.chargepoints.schemas import (
    ChargePointCreate,
    ChargePointOut,
    ChargePointUpdate,
    Location,
)
from services.connectivity.credentials import generate_password, hash_password
from shared.clock import utc_now
from shared.db import Connection
from shared.events.chargepoints import (
    ChargePointBooted,
    ChargePointConnected,
    ChargePointCutOff,
    ChargePointDisconnected,
    ChargePointFault,
    ChargePointLocation,
    ChargePointRegistered,
    ChargePointSecurityEvent,
    ConnectorStatusChanged,
)
from shared.events.envelope import EventPayload
from shared.outbox import enqueue, enqueue_many
from shared.problems import Conflict, NotFound

log = structlog.get_logger(__name__)
SOURCE = "connectivity"


async def publish(conn: Connection, payload: EventPayload, cp_id: str) -> None:
    await enqueue(conn, payload, source=SOURCE, subject=cp_id, key=cp_id)


def to_out(row: asyncpg.Record) -> ChargePointOut:
    return ChargePointOut(
        id=row["id"],
        ocpp_version=row["ocpp_version"],
        vendor=row["vendor"],
        model=row["model"],
        serial_number=row["serial_number"],
        firmware_version=row["firmware_version"],
        connectors=row["connectors"],
        location=Location(
            site_name=row["site_name"],
            address=row["address"],
            latitude=row["latitude"],
            longitude=row["longitude"],
        ),
        approval=row["approval"],
        security_profile=row["security_profile"],
        online=row["online"],
        last_seen_at=row["last_seen_at"],
        last_boot_at=row["last_boot_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def registry_event(row: asyncpg.Record) -> ChargePointRegistered:
    return ChargePointRegistered(
        charge_point_id=row["id"],
        ocpp_version=row["ocpp_version"],
        vendor=row["vendor"],
        model=row["model"],
        serial_number=row["serial_number"],
        firmware_version=row["firmware_version"],
        connectors=row["connectors"],
        location=ChargePointLocation(
            site_name=row["site_name"],
            address=row["address"],
            latitude=row["latitude"],
            longitude=row["longitude"],
        ),
        approval=row["approval"],
    )


async def publish_registry(conn: Connection, row: asyncpg.Record) -> None:
    await publish(conn, registry_event(row), row["id"])


# -- registry (operators) -----------------------------------------------------------------------


async def provision(conn: Connection, data: ChargePointCreate) -> tuple[ChargePointOut, str]:
    password = data.password or generate_password()
    row = await repository.insert(
        conn,
        {
            "id": data.id,
            "ocpp_version": data.ocpp_version,
            "vendor": data.vendor,
            "model": data.model,
            "serial_number": data.serial_number,
            "connectors": data.connectors,
            "site_name": data.location.site_name,
            "address": data.location.address,
            "latitude": data.location.latitude,
            "longitude": data.location.longitude,
            "password_hash": hash_password(password),
            "security_profile": data.security_profile,
        },
    )
    if row is None:
        raise Conflict(f"Charge point {data.id} already exists.")
    await publish_registry(conn, row)
    log.info("connectivity.charge_point.provisioned", charge_point_id=data.id)
    return to_out(row), password


async def get(conn: Connection, cp_id: str) -> ChargePointOut:
    row = await repository.get(conn, cp_id)
    if row is None:
        raise NotFound(f"No charge point {cp_id}.")
    return to_out(row)


async def list_charge_points(
    conn: Connection, *, approval: str | None, online: bool | None, limit: int, offset: int
) -> list[ChargePointOut]:
    rows = await repository.list_all(
        conn, approval=approval, online=online, limit=limit, offset=offset
    )
    return [to_out(row) for row in rows]


async def _change(conn: Connection, cp_id: str, changes: dict[str, Any]) -> asyncpg.Record:
    return (await _change_from(conn, cp_id, changes))[1]


async def _change_from(
    conn: Connection, cp_id: str, changes: dict[str, Any]
) -> tuple[asyncpg.Record, asyncpg.Record]:
    """The charger's row before (locked) and after the change."""
    current = await repository.get(conn, cp_id, for_update=True)
    if current is None:
        raise NotFound(f"No charge point {cp_id}.")
    if current["approval"] == "retired" and changes.get("approval") != "retired":
        raise Conflict(f"Charge point {cp_id} is retired.")
    row = await repository.update(conn, cp_id, changes)
    assert row is not None
    return current, row


async def update(conn: Connection, cp_id: str, data: ChargePointUpdate) -> ChargePointOut:
    changes = data.model_dump(exclude_unset=True, exclude={"location"})
    if data.location is not None:
        changes.update(data.location.model_dump())
    current, row = await _change_from(conn, cp_id, changes)
    await publish_registry(conn, row)
    if row["security_profile"] != current["security_profile"]:
        # A connection authenticated under the old profile (a password) may not outlive it.
        await cut_off(conn, cp_id, "security_profile_changed")
        log.info(
            "connectivity.charge_point.security_profile_set",
            charge_point_id=cp_id,
            security_profile=row["security_profile"],
        )
    return to_out(row)


async def approve(conn: Connection, cp_id: str) -> ChargePointOut:
    row = await _change(conn, cp_id, {"approval": "approved"})
    await publish_registry(conn, row)
    log.info("connectivity.charge_point.approved", charge_point_id=cp_id)
    return to_out(row)


async def cut_off(
    conn: Connection,
    cp_id: str,
    reason: Literal["retired", "password_changed", "security_profile_changed"],
) -> None:
    """Every replica closes the charger's connection (see `events.CutOff`)."""
    await enqueue(
        conn,
        ChargePointCutOff(charge_point_id=cp_id, reason=reason, at=utc_now()),
        source=SOURCE,
        subject=cp_id,
        key=ChargePointCutOff.key_for(cp_id),
    )


async def retire(conn: Connection, cp_id: str) -> ChargePointOut:
    row = await _change(conn, cp_id, {"approval": "retired"})
    await publish_registry(conn, row)
    await cut_off(conn, cp_id, "retired")
    log.info("connectivity.charge_point.retired", charge_point_id=cp_id)
    return to_out(row)


async def set_password(
    conn: Connection, cp_id: str, password: str | None
) -> tuple[ChargePointOut, str]:
    secret = password or generate_password()
    row = await _change(conn, cp_id, {"password_hash": hash_password(secret)})
    # A connection opened with the old password may not outlive it.
    await cut_off(conn, cp_id, "password_changed")
    log.info("connectivity.charge_point.password_set", charge_point_id=cp_id)
    return to_out(row), secret


async def connectors(conn: Connection, cp_id: str) -> list[asyncpg.Record]:
    await get(conn, cp_id)
    return await repository.connector_status(conn, cp_id)


async def status_history(conn: Connection, cp_id: str, limit: int) -> list[asyncpg.Record]:
    await get(conn, cp_id)
    return await repository.status_history(conn, cp_id, limit)


async def seed(conn: Connection, path: Path) -> int:
    """Upsert every charger of a seed file, approved, with its password (local dev, benchmarks)."""
    document = json.loads(await asyncio.to_thread(path.read_text))
    rows = []
    for entry in document.get("charge_points", []):
        location = entry.get("location") or {}
        rows.append(
            (
                entry["id"],
                entry.get("ocpp_version", "1.6"),
                entry.get("vendor"),
                entry.get("model"),
                entry.get("serial_number"),
                int(entry.get("connectors", 1)),
                location.get("site_name"),
                location.get("address"),
                location.get("latitude"),
                location.get("longitude"),
                hash_password(entry["password"]),
            )
        )
    for start in range(0, len(rows), 5000):
        seeded = await repository.upsert_seeded(conn, rows[start : start + 5000])
        await enqueue_many(
            conn, [(registry_event(row), row["id"]) for row in seeded], source=SOURCE
        )
    return len(rows)


# -- what chargers do (called from the OCPP handlers) -----------------------------------------


async def security_event(
    conn: Connection, cp_id: str | None, kind: str, detail: str | None, count: int = 1
) -> None:
    """One security event; `count` > 1 when it stands for attempts the edge's rate limit held
    back (refused handshakes from one address)."""
    await repository.insert_security_event(conn, cp_id, kind, detail)
    await publish(
        conn,
        ChargePointSecurityEvent(
            charge_point_id=cp_id or "", kind=kind, detail=detail, count=count, at=utc_now()
        ),
        cp_id or "unknown",
    )


async def fault(
    conn: Connection, cp_id: str, kind: str, detail: str | None, connector_id: int | None = None
) -> None:
    await publish(
        conn,
        ChargePointFault(
            charge_point_id=cp_id, connector_id=connector_id, kind=kind, detail=detail, at=utc_now()
        ),
        cp_id,
    )


async def connected_many(
    conn: Connection, connections: Sequence[ConnectedCharger], replica_id: str
) -> None:
    """Chargers that just connected to this replica."""
    versions = {c.cp_id: c.ocpp_version for c in connections}
    newly_online = await repository.connect_many(
        conn, [c.cp_id for c in connections], replica_id, [c.connection_id for c in connections]
    )
    at = utc_now()
    await enqueue_many(
        conn,
        [
            (
                ChargePointConnected(charge_point_id=cp_id, ocpp_version=versions[cp_id], at=at),
                cp_id,
            )
            for cp_id in newly_online
        ],
        source=SOURCE,
    )


async def booted_many(conn: Connection, boots: Sequence[BootReport]) -> list[str]:
    """BootNotifications of many chargers; the registration answer of each."""
    latest = {boot.cp_id: boot for boot in boots}  # the same charger twice: its last boot counts
    rows = {row["id"]: row for row in await repository.boot_many(conn, list(latest.values()))}
    at = utc_now()
    events: list[tuple[EventPayload, str]] = []
    for cp_id, row in rows.items():
        firmware = latest[cp_id].firmware_version
        registration = _REGISTRATION.get(row["approval"], "Rejected")
        events.append(
            (
                ChargePointBooted(
                    charge_point_id=cp_id,
                    registration=registration,
                    firmware_version=firmware,
                    at=at,
                ),
                cp_id,
            )
        )
        if firmware is not None and row["previous_firmware"] != firmware:
            events.append((registry_event(row), cp_id))
    await enqueue_many(conn, events, source=SOURCE)
    return [
        _REGISTRATION.get(rows[boot.cp_id]["approval"], "Rejected")
        if boot.cp_id in rows
        else "Rejected"
        for boot in boots
    ]


_REGISTRATION: dict[str, Literal["Accepted", "Pending", "Rejected"]] = {
    "approved": "Accepted",
    "pending": "Pending",
}


async def disconnected(conn: Connection, cp_id: str, connection_id: str) -> None:
    """The connection closed; offline only if no newer connection of the charger replaced it."""
    if await repository.release_presence(conn, cp_id, connection_id) and (
        await repository.mark_offline(conn, cp_id)
    ):
        await publish(
            conn,
            ChargePointDisconnected(charge_point_id=cp_id, reason="closed", at=utc_now()),
            cp_id,
        )


async def heard_from(conn: Connection, chargers: dict[str, str]) -> None:
    """Chargers (id → version) that sent something; back online if they had gone silent."""
    back = await repository.touch(conn, sorted(chargers))
    at = utc_now()
    await enqueue_many(
        conn,
        [
            (
                ChargePointConnected(charge_point_id=cp_id, ocpp_version=chargers[cp_id], at=at),
                cp_id,
            )
            for cp_id in back
        ],
        source=SOURCE,
    )


async def replica_stopped(conn: Connection, replica_id: str) -> None:
    at = utc_now()
    for cp_id in await repository.drop_replica(conn, replica_id):
        await publish(
            conn, ChargePointDisconnected(charge_point_id=cp_id, reason="closed", at=at), cp_id
        )


async def sweep_offline(conn: Connection, older_than_s: float) -> list[str]:
    gone = await repository.sweep_offline(conn, older_than_s)
    for cp_id in gone:
        await publish(
            conn,
            ChargePointDisconnected(charge_point_id=cp_id, reason="heartbeat_missed", at=utc_now()),
            cp_id,
        )
    return gone


async def connector_statuses_reported(conn: Connection, reports: Sequence[StatusReport]) -> None:
    """StatusNotifications of many chargers, in arrival order: four round trips whatever their
    number."""
    current = await repository.current_statuses(conn, sorted({r.key for r in reports}))
    events: list[tuple[EventPayload, str]] = []
    for report in reports:
        cp_id, connector_id, status, error_code = (
            report.cp_id,
            report.connector_id,
            report.status,
            report.error_code,
        )
        evse_id, info, at = report.evse_id, report.info, report.at
        key = report.key
        if current.get(key) == (status, error_code):
            continue
        current[key] = (status, error_code)
        events.append(
            (
                ConnectorStatusChanged(
                    charge_point_id=cp_id,
                    connector_id=connector_id,
                    evse_id=evse_id,
                    status=status,
                    error_code=error_code,
                    info=info,
                    at=at,
                    vendor_error_code=report.vendor_error_code,
                ),
                cp_id,
            )
        )
        if error_code not in (None, "NoError") or status == "Faulted":
            events.append(
                (
                    ChargePointFault(
                        charge_point_id=cp_id,
                        connector_id=connector_id,
                        kind="connector_error",
                        detail=error_code or status,
                        at=utc_now(),
                    ),
                    cp_id,
                )
            )
    await repository.record_statuses(conn, reports)
    await enqueue_many(conn, events, source=SOURCE)


async def sites(conn: Connection) -> list[asyncpg.Record]:
    return await repository.sites(conn)
