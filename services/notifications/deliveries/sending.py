"""One send attempt of one delivery: resolve the recipient, render, attach, hand to the channel.

Raises `SendFailed` (retry later), `SendRefused` (failed for good) or `NotToBeSent` (dropped);
returns normally when the mail server or the endpoint accepted it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.notifications.channels.email import Attachment, Mail, Mailer
from services.notifications.channels.outcomes import NotToBeSent, SendFailed
from services.notifications.channels.webhook import WebhookCall, WebhookSender
from services.notifications.contacts import repository as contacts
from services.notifications.deliveries.repository import Delivery
from services.notifications.kinds import ACCOUNT_KINDS
from services.notifications.rendering import Templates
from services.notifications.settings import Settings
from services.notifications.subscriptions import repository as subscriptions
from services.notifications.upstream import Upstream
from shared.service import ServiceRuntime


class Sender:
    def __init__(
        self,
        runtime: ServiceRuntime,
        settings: Settings,
        templates: Templates,
        mailer: Mailer,
        webhooks: WebhookSender,
        upstream: Upstream,
    ) -> None:
        self._runtime = runtime
        self._settings = settings
        self._templates = templates
        self._mailer = mailer
        self._webhooks = webhooks
        self._upstream = upstream

    def message_id(self, delivery: Delivery) -> str:
        return f"<{delivery.id}@{self._settings.message_id_domain}>"

    async def send(self, delivery: Delivery) -> None:
        if delivery.channel == "webhook":
            await self._send_webhook(delivery)
        else:
            await self._send_email(delivery)

    async def _send_email(self, delivery: Delivery) -> None:
        values: dict[str, Any] = {**delivery.context, "app_url": self._settings.public_base_url}
        attachments: list[Attachment] = []
        if delivery.kind in ACCOUNT_KINDS:
            issued = await self._upstream.issue_account_mail(str(delivery.context["mail_id"]))
            address, name, locale = issued.to, issued.display_name, issued.locale
            values |= {
                "link": issued.link,
                "link_expires_at": issued.link_expires_at,
                "detail": issued.detail,
            }
        else:
            async with self._runtime.transaction() as conn:
                contact = await contacts.get(conn, delivery.recipient)
            if contact is None:
                waited = (datetime.now(UTC) - delivery.created_at).total_seconds()
                if waited < self._settings.contact_wait_s:
                    raise SendFailed("no contact details yet")
                raise NotToBeSent("no-contact")
            if contact.disabled:
                raise NotToBeSent("account-disabled")
            address, name, locale = contact.email, contact.display_name, contact.locale
        if delivery.kind == "receipt":
            pdf = await self._upstream.receipt_pdf(str(delivery.context["invoice_id"]))
            number = str(delivery.context.get("number") or delivery.context["invoice_id"])
            attachments.append(Attachment(filename=f"{number}.pdf", content=pdf))
        values["name"] = name or address.split("@", 1)[0]
        rendered = self._templates.render(delivery.kind, locale, values)
        await self._mailer.send(
            Mail(
                message_id=self.message_id(delivery),
                to_address=address,
                to_name=name,
                subject=rendered.subject,
                text=rendered.text,
                html=rendered.html,
                attachments=attachments,
            )
        )

    async def _send_webhook(self, delivery: Delivery) -> None:
        assert delivery.subscription_id is not None
        async with self._runtime.transaction() as conn:
            subscription = await subscriptions.get(conn, delivery.subscription_id)
        if subscription is None or subscription.url is None or subscription.secret is None:
            raise NotToBeSent("subscription-deleted")
        body = {
            "id": str(delivery.id),
            "event_id": str(delivery.event_id),
            "type": delivery.kind,
            "created_at": delivery.created_at.isoformat(),
            "data": delivery.context,
        }
        await self._webhooks.send(
            WebhookCall(
                delivery_id=str(delivery.id),
                url=subscription.url,
                secret=subscription.secret,
                kind=delivery.kind,
                body=body,
            )
        )
