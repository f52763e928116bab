"""Can a driver start this connector from the app now? Answered from payment's read model of
connectivity's status stream and booking's reservations, so the app gets a clear refusal instead
of a remote start the charger (or connectivity's Authorize) would refuse seconds later.

Reports are compared by their time, never by arrival. A charger or connector payment has heard
nothing of is left to the charger to answer: the start then ends with the charger's answer
(offline, rejected) as a visible state of the attempt. The charger and connectivity still
enforce everything; this check only saves the driver a useless attempt.
"""

from __future__ import annotations

from services.payment.connectors import repository
from shared.db import Connection
from shared.events.booking import HOLDING, ReservationEvent
from shared.events.chargepoints import (
    ChargePointConnected,
    ChargePointDisconnected,
    ConnectorStatusChanged,
)
from shared.problems import Conflict

# Where a remote start can begin: free, a cable plugged in (1.6 Preparing, 2.0.1 Occupied), or
# reserved (for this driver: a booking for someone else is refused below).
STARTABLE = frozenset({"Available", "Preparing", "Occupied", "Reserved"})


class ChargerOffline(Conflict):
    slug = "charger-offline"


class ConnectorUnavailable(Conflict):
    slug = "connector-unavailable"


class ConnectorBooked(Conflict):
    slug = "connector-booked"


async def on_connected(conn: Connection, event: ChargePointConnected) -> None:
    await repository.set_presence(conn, event.charge_point_id, True, event.at)


async def on_disconnected(conn: Connection, event: ChargePointDisconnected) -> None:
    await repository.set_presence(conn, event.charge_point_id, False, event.at)


async def on_status(conn: Connection, event: ConnectorStatusChanged) -> None:
    # 2.0.1 reports per EVSE and connector; starts address the EVSE (payment's connector id).
    connector_id = event.evse_id if event.evse_id is not None else event.connector_id
    await repository.set_status(conn, event.charge_point_id, connector_id, event.status, event.at)


async def on_reservation(conn: Connection, event: ReservationEvent) -> None:
    await repository.set_reservation(
        conn,
        reservation_id=event.reservation_id,
        cp_id=event.charge_point_id,
        connector_id=event.connector_id,
        user_id=event.user_id,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        holding=event.status in HOLDING,
        at=event.at,
    )


async def check_startable(conn: Connection, cp_id: str, connector_id: int, user_id: str) -> None:
    """Raise a 409 problem saying why the driver cannot start this connector now."""
    now = await repository.connector_now(conn, cp_id, connector_id, user_id)
    if now.online is False:
        raise ChargerOffline(f"Charge point {cp_id} is offline.")
    if now.booked_for_someone_else:
        raise ConnectorBooked(f"Connector {connector_id} is booked by someone else now.")
    if now.app_start_open:
        raise ConnectorUnavailable(f"Connector {connector_id} is being started or is in use.")
    if now.status is not None and now.status not in STARTABLE:
        raise ConnectorUnavailable(f"Connector {connector_id} is {now.status}, not available.")
