"""What booking learns from connectivity and identity, and what it does about it.

Connector numbers are booking's: 1.6's connectorId, 2.0.1's EVSE id (a 2.0.1 reservation holds an
EVSE). A 1.6 status for connector 0 is the whole charger's.
"""

from __future__ import annotations

from datetime import datetime

from services.booking.availability.service import OUT_OF_SERVICE
from services.booking.network import repository
from services.booking.reservations import repository as reservations
from services.booking.reservations.displace import displace
from services.booking.settings import Settings
from services.booking.timeslots import now
from shared.db import Connection
from shared.events.chargepoints import ChargePointRegistered, ConnectorStatusChanged


async def apply_registry(
    conn: Connection, event: ChargePointRegistered, settings: Settings
) -> None:
    previous = await repository.upsert_charge_point(
        conn,
        charge_point_id=event.charge_point_id,
        ocpp_version=event.ocpp_version,
        connectors=event.connectors,
        approval=event.approval,
        site_name=event.location.site_name,
        address=event.location.address,
        latitude=event.location.latitude,
        longitude=event.location.longitude,
    )
    if event.approval == "retired" and (previous is None or previous["approval"] != "retired"):
        await displace(
            conn,
            settings,
            charge_point_id=event.charge_point_id,
            connector_id=None,
            starts_at=now(),
            ends_at=None,
            reason="charge_point_retired",
        )
    elif previous is not None and event.connectors < previous["connectors"]:
        await displace(
            conn,
            settings,
            charge_point_id=event.charge_point_id,
            connector_id=None,
            starts_at=now(),
            ends_at=None,
            reason="connector_unavailable",
            min_connector=event.connectors + 1,
        )


async def apply_connector_status(
    conn: Connection, event: ConnectorStatusChanged, settings: Settings
) -> None:
    connector_id = event.evse_id if event.evse_id is not None else event.connector_id
    previous = await repository.set_connector_status(
        conn, event.charge_point_id, connector_id, event.status, event.at
    )
    if event.status not in OUT_OF_SERVICE or previous in OUT_OF_SERVICE:
        return
    current = now()
    await displace(
        conn,
        settings,
        charge_point_id=event.charge_point_id,
        connector_id=None if connector_id == 0 else connector_id,
        starts_at=current,
        ends_at=current + settings.fault_cancel_horizon,
        reason="connector_faulted" if event.status == "Faulted" else "connector_unavailable",
    )


async def apply_presence(
    conn: Connection, charge_point_id: str, online: bool, at: datetime
) -> None:
    if await repository.set_online(conn, charge_point_id, online, at) and online:
        await reservations.retry_at_charger(conn, charge_point_id)


async def apply_id_token(
    conn: Connection, *, uid: str, kind: str, user_id: str | None, decision: str
) -> None:
    """A token's current decision (`id-token.decision-changed`); only accepted ones are used."""
    await repository.upsert_id_token(conn, uid, kind, user_id, decision)
