"""A billed session's receipt reaches the driver with its PDF attached: payment (real, with
localstripe) publishes invoice.paid; notifications fetches the PDF with its service token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.helpers.polling import eventually
from tests.helpers.stack import fresh_database
from tests.notifications.harness import Notifications, new_contact, running
from tests.payment.support import (
    TOKENS,
    PaymentService,
    create_tariff,
    publish_session_stopped,
    save_card,
    sessions_topic,
)
from tests.payment.support import running as running_payment


@pytest.fixture(scope="module")
async def services(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[PaymentService, Notifications, str]]:
    async with sessions_topic() as topic:
        payment_dsn = await fresh_database("test_notify_receipt_payment")
        async with running_payment(payment_dsn, sessions_topic=topic) as payment:
            dsn = await fresh_database("test_notify_receipt")
            folder: Path = tmp_path_factory.mktemp("mail")
            async with running(dsn, folder, TOKENS, payment_url=payment.url) as notifications:
                yield payment, notifications, topic


async def test_a_billed_session_sends_the_receipt_with_its_pdf(
    services: tuple[PaymentService, Notifications, str],
) -> None:
    payment, notifications, topic = services
    driver, address = await new_contact(notifications, name="Greta")
    await create_tariff(payment, charge_point_ids=["NOTIFY-RECEIPT-CP"])
    await save_card(payment, TOKENS.auth(driver, "driver"))
    await publish_session_stopped(topic, user_id=driver, charge_point_id="NOTIFY-RECEIPT-CP")

    async def arrived() -> bool:
        return bool(notifications.smtp.mails_to(address))

    await eventually(arrived, timeout=90)
    [mail] = notifications.smtp.mails_to(address)
    invoice = await payment.db.fetchrow(
        "select number, total_minor from invoices where user_id = $1", driver
    )
    assert str(mail["Subject"]) == f"Your receipt {invoice['number']}"
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"{invoice['number']}.pdf"
    pdf = attachment.get_content()
    assert pdf.startswith(b"%PDF")
    text = mail.get_body(("plain",))
    assert text is not None
    assert "Hi Greta" in text.get_content()
    assert "SEK 93.75" in text.get_content()
