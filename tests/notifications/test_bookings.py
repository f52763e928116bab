"""Bookings: confirmed, the reminder before the window, cancelled because the connector faulted
with the alternative offered; a kind the driver turned off is recorded as skipped, not sent."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.events.booking import AlternativeWindow, ReservationCancelled, ReservationConfirmed
from tests.helpers.polling import eventually
from tests.notifications.conftest import TOKENS
from tests.notifications.harness import Notifications, new_contact, publish

SETTINGS = {"reminder_lead_s": 3600.0, "reminder_check_interval_s": 0.3}


def booking(user_id: str, starts_in: timedelta, **extra: Any) -> dict[str, Any]:
    starts = datetime.now(UTC) + starts_in
    return {
        "reservation_id": str(uuid.uuid4()),
        "ocpp_reservation_id": 1,
        "kind": "booking",
        "user_id": user_id,
        "charge_point_id": "NOTIFY-BOOK-CP",
        "connector_id": 1,
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=1),
        "status": "confirmed",
        "charger_hold": "not_sent",
        "at": datetime.now(UTC),
        **extra,
    }


def subjects(notifications: Notifications, address: str) -> list[str]:
    return sorted(str(m["Subject"]).split(":")[0] for m in notifications.smtp.mails_to(address))


async def test_confirmed_reminded_and_cancelled_with_the_alternative(
    notifications: Notifications,
) -> None:
    driver, address = await new_contact(notifications)
    soon = booking(driver, timedelta(minutes=30))
    await publish(ReservationConfirmed(**soon), soon["charge_point_id"])

    async def both() -> bool:
        return subjects(notifications, address) == ["Booking confirmed", "Reminder"]

    await eventually(both, timeout=60)

    later = booking(driver, timedelta(days=2))
    await publish(ReservationConfirmed(**later), later["charge_point_id"])
    alternative = AlternativeWindow(
        charge_point_id="NOTIFY-BOOK-CP-2",
        connector_id=2,
        starts_at=later["starts_at"],
        ends_at=later["ends_at"],
    )
    cancelled = {**later, "status": "cancelled"}
    await publish(
        ReservationCancelled(**cancelled, reason="connector_faulted", alternative=alternative),
        later["charge_point_id"],
    )

    async def cancelled_mail() -> bool:
        return "Booking cancelled" in subjects(notifications, address)

    await eventually(cancelled_mail, timeout=60)
    [mail] = [m for m in notifications.smtp.mails_to(address) if "cancelled" in str(m["Subject"])]
    text = mail.get_body(("plain",))
    assert text is not None
    assert "the connector has a fault" in text.get_content()
    assert "charger NOTIFY-BOOK-CP-2, connector 2" in text.get_content()
    # The booking two days ahead is cancelled: no reminder for it, ever.
    assert (
        await notifications.db.fetchval(
            "select count(*) from upcoming_reservations where reservation_id = $1",
            later["reservation_id"],
        )
        == 0
    )


async def test_a_kind_turned_off_is_skipped_and_the_driver_sees_it_in_their_log(
    notifications: Notifications,
) -> None:
    driver, address = await new_contact(notifications)
    headers = TOKENS.auth(driver, "driver")
    turned_off = await notifications.http.patch(
        "/v1/notifications/preferences/me",
        json={"kinds": {"booking-confirmed": False}},
        headers=headers,
    )
    assert turned_off.status_code == 200
    later = booking(driver, timedelta(days=3))
    envelope = await publish(ReservationConfirmed(**later), later["charge_point_id"])

    async def decided() -> bool:
        log = await notifications.http.get("/v1/notifications/deliveries", headers=headers)
        return [(d["event_id"], d["status"], d["reason"]) for d in log.json()] == [
            (str(envelope.id), "skipped", "preference")
        ]

    await eventually(decided, timeout=60)
    assert notifications.smtp.mails_to(address) == []
    others = await notifications.http.get(
        "/v1/notifications/deliveries",
        params={"user_id": "someone-else"},
        headers=headers,
    )
    assert [d["user_id"] for d in others.json()] == [driver]
