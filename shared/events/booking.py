"""Events of the booking service on `booking.reservations.v1`, keyed by charge point id.

Every state change of a reservation (a driver's booking or an operator's block of a connector)
is one event carrying the reservation's whole current picture, so a consumer can keep a mirror
from any single event. Keyed by charge point: the events of one connector arrive in order.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from shared.events.envelope import EventPayload
from shared.events.topics import BOOKING_RESERVATIONS, Topic

ReservationKind = Literal["booking", "block"]
ReservationStatus = Literal["confirmed", "active", "fulfilled", "no_show", "cancelled", "ended"]
# Whether the charger itself holds the reservation (ReserveNow): see booking's README.
ChargerHold = Literal[
    "not_sent", "no_token", "pending", "held", "rejected", "offline", "failed", "released"
]
CancelReason = Literal[
    "driver",
    "operator",
    "connector_faulted",
    "connector_unavailable",
    "maintenance",
    "charge_point_retired",
]
# Statuses in which a reservation holds its connector for its window.
HOLDING: frozenset[str] = frozenset({"confirmed", "active", "fulfilled"})


class AlternativeWindow(BaseModel):
    """The nearest free window offered to a driver whose booking had to be cancelled."""

    model_config = ConfigDict(frozen=True)

    charge_point_id: str
    connector_id: int
    starts_at: datetime
    ends_at: datetime


class ReservationEvent(EventPayload):
    """What every reservation event carries (the base of the typed events below)."""

    reservation_id: str
    # The integer id sent to the charger in ReserveNow / CancelReservation.
    ocpp_reservation_id: int
    kind: ReservationKind
    # The driver (bookings) or the fleet account a block is for; None for a plain block.
    user_id: str | None
    charge_point_id: str
    # 1.6: the connectorId; 2.0.1: the EVSE id.
    connector_id: int
    starts_at: datetime
    ends_at: datetime
    status: ReservationStatus
    charger_hold: ChargerHold
    at: datetime


class ReservationConfirmed(ReservationEvent):
    event_type: ClassVar[str] = "reservation.confirmed"
    topic: ClassVar[Topic] = BOOKING_RESERVATIONS


class ReservationActivated(ReservationEvent):
    """The window opened."""

    event_type: ClassVar[str] = "reservation.activated"
    topic: ClassVar[Topic] = BOOKING_RESERVATIONS


class ReservationFulfilled(ReservationEvent):
    """The driver's session started on the reserved connector."""

    event_type: ClassVar[str] = "reservation.fulfilled"
    topic: ClassVar[Topic] = BOOKING_RESERVATIONS

    session_id: str


class ReservationNoShow(ReservationEvent):
    """The grace period after the start passed without the driver's session.

    Payment may charge the no-show fee of the tariff in force at `charge_point_id` to `user_id`;
    `reservation_id` is the idempotency key (one fee per reservation).
    """

    event_type: ClassVar[str] = "reservation.no-show"
    topic: ClassVar[Topic] = BOOKING_RESERVATIONS

    grace_s: int
    booked_duration_s: int


class ReservationCancelled(ReservationEvent):
    event_type: ClassVar[str] = "reservation.cancelled"
    topic: ClassVar[Topic] = BOOKING_RESERVATIONS

    reason: CancelReason
    # A driver's cancellation after the cancellation deadline (payment may treat it as a no-show).
    late: bool = False
    alternative: AlternativeWindow | None = None


class ReservationEnded(ReservationEvent):
    """An operator's block reached the end of its window."""

    event_type: ClassVar[str] = "reservation.ended"
    topic: ClassVar[Topic] = BOOKING_RESERVATIONS


class ReservationChargerHoldChanged(ReservationEvent):
    """ReserveNow / CancelReservation was sent to the charger, or its answer arrived."""

    event_type: ClassVar[str] = "reservation.charger-hold-changed"
    topic: ClassVar[Topic] = BOOKING_RESERVATIONS

    detail: str | None = None


RESERVATION_EVENTS: tuple[type[ReservationEvent], ...] = (
    ReservationConfirmed,
    ReservationActivated,
    ReservationFulfilled,
    ReservationNoShow,
    ReservationCancelled,
    ReservationEnded,
    ReservationChargerHoldChanged,
)
