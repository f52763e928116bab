"""A known event history around the DST change of 29 March 2026 (Europe/Stockholm, 02:00 CET
-> 03:00 CEST: that local day lasts 23 hours), with the figures it must give.

Times are UTC. Local 29 March = [03-28 23:00Z, 03-29 22:00Z).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from shared.events.booking import (
    ReservationCancelled,
    ReservationConfirmed,
    ReservationFulfilled,
    ReservationNoShow,
)
from shared.events.chargepoints import (
    ChargePointConnected,
    ChargePointDisconnected,
    ChargePointLocation,
    ChargePointRegistered,
    ConnectorStatusChanged,
)
from shared.events.charging import SessionStopped
from shared.events.envelope import Envelope
from shared.events.payment import InvoiceIssued, InvoicePaid, InvoiceRefunded
from tests.analytics.support import envelope


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class Scenario:
    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:8]
        self.cp = f"CP-AN-{tag}"
        self.driver = f"driver-an1-{tag}"
        self.other = f"driver-an2-{tag}"

    def registry(self) -> list[tuple[str, Envelope]]:
        entry = ChargePointRegistered(
            charge_point_id=self.cp,
            ocpp_version="1.6",
            vendor="V",
            model="M",
            serial_number=None,
            firmware_version=None,
            connectors=2,
            location=ChargePointLocation(site_name="Depot Nord", address="Gatan 1"),
            approval="approved",
        )
        return [(self.cp, envelope(entry))]

    def status(self) -> list[tuple[str, Envelope]]:
        cp = self.cp

        def link(online: bool, when: str) -> Envelope:
            if online:
                return envelope(
                    ChargePointConnected(charge_point_id=cp, ocpp_version="1.6", at=at(when))
                )
            return envelope(
                ChargePointDisconnected(charge_point_id=cp, reason="closed", at=at(when))
            )

        def status(connector: int, value: str, when: str, code: str | None = None) -> Envelope:
            return envelope(
                ConnectorStatusChanged(
                    charge_point_id=cp,
                    connector_id=connector,
                    status=value,
                    error_code=code,
                    at=at(when),
                )
            )

        events = [
            link(True, "2026-03-28T20:00:00"),
            status(1, "Available", "2026-03-28T20:00:00"),
            # Faulted across the range's start: only 23:00Z-01:00Z counts, and not as a new fault.
            status(1, "Faulted", "2026-03-28T22:00:00", "GroundFailure"),
            status(1, "Available", "2026-03-29T01:00:00"),
            status(2, "Unavailable", "2026-03-29T05:00:00"),
            status(2, "Available", "2026-03-29T06:00:00"),
            link(False, "2026-03-29T10:00:00"),
            link(True, "2026-03-29T11:30:00"),
            # Faulted across the range's end: 20:00Z-22:00Z counts, one fault.
            status(1, "Faulted", "2026-03-29T20:00:00", "HighTemperature"),
            status(1, "Available", "2026-03-30T02:00:00"),
        ]
        # Out of order: latest first; and the first fault delivered twice (same event id).
        ordered = [*reversed(events), events[2]]
        return [(cp, e) for e in ordered]

    def sessions(self) -> list[tuple[str, Envelope]]:
        def stop(
            sid: str,
            connector: int,
            user: str,
            start: str,
            end: str,
            wh: int,
            charged: str | None = None,
        ) -> Envelope:
            return envelope(
                SessionStopped(
                    session_id=sid,
                    charge_point_id=self.cp,
                    connector_id=connector,
                    transaction_id=sid,
                    id_tag=None,
                    user_id=user,
                    started_at=at(start),
                    stopped_at=at(end),
                    duration_s=int((at(end) - at(start)).total_seconds()),
                    energy_wh=wh,
                    stop_reason="Local",
                    charging_ended_at=at(charged) if charged else None,
                )
            )

        s1 = stop(
            self.sid(1),
            1,
            self.driver,
            "2026-03-29T02:00:00",
            "2026-03-29T04:00:00",
            20000,
            "2026-03-29T03:30:00",
        )
        s2 = stop(self.sid(2), 2, self.other, "2026-03-28T22:30:00", "2026-03-28T23:30:00", 10000)
        s3 = stop(self.sid(3), 2, self.driver, "2026-03-29T00:30:00", "2026-03-29T01:00:00", 5000)
        # 22:30Z on 29 March is 00:30 on 30 March in CEST (it would be 23:30 on the 29th in CET).
        s4 = stop(self.sid(4), 1, self.other, "2026-03-29T22:30:00", "2026-03-29T23:00:00", 4000)
        republished = envelope(s1.payload(SessionStopped))  # same session, a new event id
        return [(self.cp, e) for e in (s4, s1, s3, s1, republished, s2)]

    def sid(self, n: int) -> str:
        return f"{self.cp}-s{n}"

    def invoices(self) -> list[tuple[str, Envelope]]:
        def fields(
            n: int, user: str, total: int, refunded: int, status: str, when: str
        ) -> dict[str, object]:
            return {
                "invoice_id": f"inv-{self.cp}-{n}",
                "number": f"N{n}",
                "user_id": user,
                "session_id": self.sid(n),
                "charge_point_id": self.cp,
                "currency": "SEK",
                "subtotal_minor": total,
                "vat_minor": 0,
                "total_minor": total,
                "status": status,
                "amount_paid_minor": 0 if status == "open" else total,
                "amount_refunded_minor": refunded,
                "at": at(when),
            }

        issued1 = envelope(
            InvoiceIssued(**fields(1, self.driver, 15000, 0, "open", "2026-03-29T04:01:00"))
        )  # type: ignore[arg-type]
        paid1 = envelope(
            InvoicePaid(**fields(1, self.driver, 15000, 0, "paid", "2026-03-29T04:02:00"))
        )  # type: ignore[arg-type]
        issued3 = envelope(
            InvoiceIssued(**fields(3, self.driver, 5000, 0, "open", "2026-03-29T01:01:00"))
        )  # type: ignore[arg-type]
        refunded3 = envelope(
            InvoiceRefunded(
                **fields(3, self.driver, 5000, 2000, "paid", "2026-03-29T09:00:00"),  # type: ignore[arg-type]
                refund_amount_minor=2000,
                reason="goodwill",
            )
        )
        # The refund and the payment arrive before the issue; the latest state must still win.
        return [(e.data["invoice_id"], e) for e in (refunded3, paid1, issued3, issued1, paid1)]

    def reservations(self) -> list[tuple[str, Envelope]]:
        """Three bookings of connector 1 on 29 March: fulfilled, no-show, cancelled; and a
        block (not a booking). The outcomes arrive before the confirmations."""

        def fields(n: int, kind: str, status: str, when: str) -> dict[str, object]:
            return {
                "reservation_id": f"res-{self.cp}-{n}",
                "ocpp_reservation_id": n,
                "kind": kind,
                "user_id": self.driver,
                "charge_point_id": self.cp,
                "connector_id": 1,
                "starts_at": at("2026-03-29T08:00:00"),
                "ends_at": at("2026-03-29T09:00:00"),
                "status": status,
                "charger_hold": "held",
                "at": at(when),
            }

        events = [
            ReservationFulfilled(
                **fields(1, "booking", "fulfilled", "2026-03-29T08:05:00"), session_id="x"
            ),  # type: ignore[arg-type]
            ReservationNoShow(
                **fields(2, "booking", "no_show", "2026-03-29T08:15:00"),
                grace_s=900,
                booked_duration_s=3600,
            ),  # type: ignore[arg-type]
            ReservationCancelled(
                **fields(3, "booking", "cancelled", "2026-03-29T07:00:00"), reason="driver"
            ),  # type: ignore[arg-type]
            ReservationConfirmed(**fields(1, "booking", "confirmed", "2026-03-28T12:00:00")),  # type: ignore[arg-type]
            ReservationConfirmed(**fields(2, "booking", "confirmed", "2026-03-28T12:00:00")),  # type: ignore[arg-type]
            ReservationConfirmed(**fields(3, "booking", "confirmed", "2026-03-28T12:00:00")),  # type: ignore[arg-type]
            ReservationConfirmed(**fields(4, "block", "confirmed", "2026-03-28T12:00:00")),  # type: ignore[arg-type]
        ]
        return [(self.cp, envelope(e)) for e in events]
