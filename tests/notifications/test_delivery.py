"""Events → decisions → mails and signed webhooks, against the real stack and a real SMTP server."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request, Response

from services.notifications.channels.signing import SIGNATURE_HEADER, verify
from services.notifications.housekeeping import clean_once
from shared.events.identity import AccountMailRequested, ContactChanged
from shared.events.operations import AlertOpened
from shared.events.payment import InvoicePaymentFailed
from shared.events.support import TicketReplied
from tests.helpers.polling import eventually
from tests.helpers.stack import serve
from tests.notifications.conftest import TOKENS
from tests.notifications.harness import (
    Notifications,
    new_contact,
    publish,
    publish_envelope,
    publish_tombstone,
)


def emergency_stop(site: str) -> AlertOpened:
    return AlertOpened(
        alert_id=str(uuid.uuid4()),
        kind="emergency_stop",
        severity="high",
        status="open",
        title="Emergency stop pressed <at once>",
        charge_point_id="NOTIFY-CP-1",
        connector_id=1,
        site=site,
        at=datetime.now(UTC),
    )


def payment_failed(user_id: str, number: str) -> InvoicePaymentFailed:
    return InvoicePaymentFailed(
        invoice_id=str(uuid.uuid4()),
        number=number,
        user_id=user_id,
        session_id=None,
        charge_point_id="NOTIFY-CP-1",
        currency="SEK",
        subtotal_minor=800,
        vat_minor=200,
        total_minor=1000,
        status="open",
        amount_paid_minor=0,
        amount_refunded_minor=0,
        at=datetime.now(UTC),
        failure_code="card_declined",
        failed_attempts=1,
        next_attempt_at=datetime.now(UTC) + timedelta(hours=1),
    )


class WebhookReceiver:
    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.app = FastAPI()

        @self.app.post("/hook")
        async def hook(request: Request) -> Response:
            self.received.append((dict(request.headers), await request.body()))
            return Response(status_code=204)


async def test_emergency_stop_reaches_an_operator_by_mail_and_signed_webhook(
    notifications: Notifications,
) -> None:
    operator, address = await new_contact(notifications, "operator")
    headers = TOKENS.auth(operator, "operator")
    site = f"site-{uuid.uuid4().hex[:6]}"
    receiver = WebhookReceiver()
    async with serve(receiver.app) as hook_url:
        for body in (
            {"channel": "email", "min_severity": "high", "sites": [site]},
            {"channel": "webhook", "url": f"{hook_url}/hook", "sites": [site]},
        ):
            created = await notifications.http.post(
                "/v1/notifications/subscriptions", json=body, headers=headers
            )
            assert created.status_code == 201, created.text
            if body["channel"] == "webhook":
                secret = created.json()["secret"]
        alert = emergency_stop(site)
        await publish(alert, alert.alert_id)

        await eventually(lambda: _true(notifications.smtp.mails_to(address)), timeout=60)
        await eventually(lambda: _true(receiver.received), timeout=60)

    [mail] = notifications.smtp.mails_to(address)
    assert "Emergency stop pressed <at once>" in str(mail["Subject"])
    html = mail.get_body(("html",))
    assert html is not None
    assert "Emergency stop pressed &lt;at once&gt;" in html.get_content()
    assert str(mail["Message-ID"]).endswith("@notifications.ladda.local>")

    [(hook_headers, raw)] = receiver.received
    assert verify(secret, hook_headers[SIGNATURE_HEADER.lower()], raw)
    assert not verify("whsec_wrong", hook_headers[SIGNATURE_HEADER.lower()], raw)
    body = json.loads(raw)
    assert body["type"] == "alert-opened"
    assert body["data"]["alert_id"] == alert.alert_id
    assert hook_headers["ladda-delivery-id"] == body["id"]

    # Recorded as sent a moment after the SMTP server and the receiver have them.
    async def both_sent() -> bool:
        log = await notifications.http.get("/v1/notifications/deliveries", headers=headers)
        return sorted((d["channel"], d["status"]) for d in log.json()) == [
            ("email", "sent"),
            ("webhook", "sent"),
        ]

    await eventually(both_sent, timeout=30)


async def _true(value: Any) -> bool:
    return bool(value)


async def test_a_redelivered_event_sends_no_second_mail(notifications: Notifications) -> None:
    driver, address = await new_contact(notifications)
    event = TicketReplied(
        ticket_id=str(uuid.uuid4()),
        user_id=driver,
        category="other",
        priority="normal",
        status="pending",
        origin="driver",
        assignee=None,
        session_id=None,
        charge_point_id=None,
        reservation_id=None,
        invoice_id=None,
        created_at=datetime.now(UTC),
        first_response_at=datetime.now(UTC),
        resolved_at=None,
        sla_elapsed_s=0.0,
        first_response_breached=False,
        resolution_breached=False,
        at=datetime.now(UTC),
        message_id=str(uuid.uuid4()),
        author_kind="staff",
    )
    envelope = await publish(event, event.ticket_id)
    await eventually(lambda: _true(notifications.smtp.mails_to(address)), timeout=60)
    await publish_envelope(envelope, event.topic.name, event.ticket_id)
    # A later mail to the same driver proves the redelivered one was consumed before it.
    await publish(payment_failed(driver, "LAD-REDELIVERY"), driver)
    await eventually(lambda: _true(len(notifications.smtp.mails_to(address)) >= 2), timeout=60)

    subjects = [str(m["Subject"]) for m in notifications.smtp.mails_to(address)]
    assert sorted(subjects) == sorted(
        ["Support answered your ticket", "Payment failed for LAD-REDELIVERY"]
    )


async def test_a_deleted_user_gets_no_further_mail_and_the_address_is_gone(
    notifications: Notifications,
) -> None:
    driver, address = await new_contact(notifications, locale="sv")
    await publish(payment_failed(driver, "LAD-BEFORE"), driver)
    await eventually(lambda: _true(notifications.smtp.mails_to(address)), timeout=60)
    assert "Betalningen misslyckades" in str(notifications.smtp.mails_to(address)[0]["Subject"])

    await publish_tombstone(driver)

    async def forgotten() -> bool:
        return not await notifications.db.fetchval(
            "select count(*) from contacts where user_id = $1", driver
        )

    await eventually(forgotten, timeout=30)
    after = payment_failed(driver, "LAD-AFTER")
    envelope = await publish(after, driver)

    async def decided() -> bool:
        return bool(
            await notifications.db.fetchval(
                "select 1 from deliveries where event_id = $1", envelope.id
            )
        )

    await eventually(decided, timeout=30)
    row = await notifications.db.fetchrow(
        "select status, reason from deliveries where event_id = $1", envelope.id
    )
    assert (row["status"], row["reason"]) == ("skipped", "no-contact")
    assert len(notifications.smtp.mails_to(address)) == 1
    dump = await notifications.db.fetchval(
        "select count(*) from contacts where email = $1", address
    )
    assert dump == 0


async def test_account_mails_come_from_identity_and_a_spent_one_is_dropped(
    notifications: Notifications,
) -> None:
    user_id = str(uuid.uuid4())
    address = f"{user_id[:8]}@example.com"
    verification, reset, spent = (str(uuid.uuid4()) for _ in range(3))
    notifications.identity.mails[verification] = {
        "kind": "email-verification",
        "to": address,
        "display_name": "Bo",
        "locale": "sv",
    }
    notifications.identity.mails[reset] = {
        "kind": "password-reset",
        "to": address,
        "display_name": "Bo",
        "locale": "en",
    }
    notifications.identity.gone.add(spent)
    for mail_id, kind in (
        (verification, "email-verification"),
        (reset, "password-reset"),
        (spent, "password-reset"),
    ):
        await publish(
            AccountMailRequested(mail_id=mail_id, user_id=user_id, kind=kind),  # type: ignore[arg-type]
            user_id,
        )
    await eventually(lambda: _true(len(notifications.smtp.mails_to(address)) >= 2), timeout=60)

    async def spent_dropped() -> bool:
        status = await notifications.db.fetchval(
            "select status from deliveries where context->>'mail_id' = $1", spent
        )
        return status == "dropped"

    await eventually(spent_dropped, timeout=30)
    mails = {str(m["Subject"]): m for m in notifications.smtp.mails_to(address)}
    assert set(mails) == {"Bekräfta din e-postadress", "Reset your password"}
    text = mails["Reset your password"].get_body(("plain",))
    assert text is not None and "https://ladda.example/password-reset?token=" in text.get_content()
    assert sorted(notifications.identity.issued) == sorted([verification, reset])


async def test_smtp_down_during_a_burst_loses_nothing_and_sends_nothing_twice(
    notifications: Notifications,
) -> None:
    driver, address = await new_contact(notifications)
    notifications.smtp.stop()
    numbers = [f"LAD-BURST-{n:02d}" for n in range(20)]
    for number in numbers:
        await publish(payment_failed(driver, number), driver)

    async def all_tried() -> bool:
        count = await notifications.db.fetchval(
            "select count(*) from deliveries where user_id = $1 and attempts >= 1 "
            "and status = 'pending'",
            driver,
        )
        return bool(count == len(numbers))

    await eventually(all_tried, timeout=60)
    await notifications.smtp.start()
    await eventually(
        lambda: _true(len(notifications.smtp.mails_to(address)) >= len(numbers)), timeout=90
    )
    mails = notifications.smtp.mails_to(address)
    by_id = Counter(str(m["Message-ID"]) for m in mails)
    assert len(by_id) == len(numbers)
    assert set(by_id.values()) == {1}
    assert sorted(str(m["Subject"]).rsplit(" ", 1)[-1] for m in mails) == numbers


async def test_a_demoted_operator_is_no_longer_told(notifications: Notifications) -> None:
    operator, address = await new_contact(notifications, "operator")
    site = f"site-{uuid.uuid4().hex[:6]}"
    created = await notifications.http.post(
        "/v1/notifications/subscriptions",
        json={"channel": "email", "sites": [site]},
        headers=TOKENS.auth(operator, "operator"),
    )
    assert created.status_code == 201
    await publish(
        ContactChanged(
            user_id=operator,
            email=address,
            display_name="Ada",
            locale="en",
            email_verified=True,
            roles=["driver"],
        ),
        operator,
    )

    async def demoted() -> bool:
        roles = await notifications.db.fetchval(
            "select roles from contacts where user_id = $1", operator
        )
        return bool(roles == ["driver"])

    await eventually(demoted, timeout=30)
    envelope = await publish(emergency_stop(site), site)

    async def decided() -> bool:
        row = await notifications.db.fetchrow(
            "select status, reason from deliveries where event_id = $1", envelope.id
        )
        return row is not None and (row["status"], row["reason"]) == (
            "skipped",
            "owner-not-operator",
        )

    await eventually(decided, timeout=30)
    assert notifications.smtp.mails_to(address) == []


async def test_admins_read_the_local_mail_folder(notifications: Notifications) -> None:
    driver, address = await new_contact(notifications)
    await publish(payment_failed(driver, "LAD-DEV-MAIL"), driver)
    await eventually(lambda: _true(notifications.smtp.mails_to(address)), timeout=60)

    admin = TOKENS.auth("admin-1", "admin")
    listed = await notifications.http.get("/v1/notifications/dev/mails", headers=admin)
    [entry] = [m for m in listed.json() if address in (m["to"] or "")]
    assert entry["subject"] == "Payment failed for LAD-DEV-MAIL"
    raw = await notifications.http.get(
        f"/v1/notifications/dev/mails/{entry['name']}", headers=admin
    )
    assert raw.headers["content-type"] == "message/rfc822"
    assert b"LAD-DEV-MAIL" in raw.content
    escape = await notifications.http.get(
        "/v1/notifications/dev/mails/..%2F..%2Fetc%2Fpasswd.eml", headers=admin
    )
    assert escape.status_code == 404
    driver_call = await notifications.http.get(
        "/v1/notifications/dev/mails", headers=TOKENS.auth(driver, "driver")
    )
    assert driver_call.status_code == 403


async def test_housekeeping_forgets_finished_deliveries_past_retention(
    notifications: Notifications,
) -> None:
    old_sent, old_pending = uuid.uuid4(), uuid.uuid4()
    for delivery_id, status in ((old_sent, "sent"), (old_pending, "pending")):
        await notifications.db.execute(
            """insert into deliveries (id, event_id, recipient, channel, kind, context, status,
                                       created_at, next_attempt_at)
               values ($1, $2, 'nobody', 'email', 'receipt', '{}', $3,
                       now() - interval '400 days', now() + interval '1 day')""",
            delivery_id,
            uuid.uuid4(),
            status,
        )
    await clean_once(notifications.app.state.runtime, notifications.settings)
    left = await notifications.db.fetch(
        "select id from deliveries where id = any($1::uuid[])", [old_sent, old_pending]
    )
    assert [row["id"] for row in left] == [old_pending]
    await notifications.db.execute("delete from deliveries where id = $1", old_pending)
