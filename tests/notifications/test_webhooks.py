"""A failing webhook endpoint: retried with backoff, disabled after repeated failures with a mail
to its owner, its deliveries kept and sent once enabled again; meanwhile mails are not delayed."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from fastapi import FastAPI, Request, Response

from services.notifications.channels.signing import SIGNATURE_HEADER, verify
from shared.events.operations import AlertOpened, WorkOrderAssigned
from tests.helpers.polling import eventually
from tests.helpers.stack import serve
from tests.notifications.conftest import TOKENS
from tests.notifications.harness import Notifications, new_contact, publish

SETTINGS = {"webhook_disable_after_failures": 4, "retry_base_s": 0.3, "retry_max_s": 1.0}


class FlakyReceiver:
    def __init__(self) -> None:
        self.up = False
        self.attempts = 0
        self.accepted: list[tuple[str, bytes]] = []
        self.app = FastAPI()

        @self.app.post("/hook")
        async def hook(request: Request) -> Response:
            self.attempts += 1
            if not self.up:
                return Response(status_code=503)
            self.accepted.append((request.headers[SIGNATURE_HEADER], await request.body()))
            return Response(status_code=200)


async def test_a_failing_webhook_is_disabled_then_catches_up(notifications: Notifications) -> None:
    http = notifications.http
    operator, address = await new_contact(notifications, "operator")
    headers = TOKENS.auth(operator, "operator")
    site = f"site-{uuid.uuid4().hex[:6]}"
    receiver = FlakyReceiver()
    async with serve(receiver.app) as url:
        created = await http.post(
            "/v1/notifications/subscriptions",
            json={
                "channel": "webhook",
                "url": f"{url}/hook",
                "sites": [site],
                "kinds": ["alert-opened"],
            },
            headers=headers,
        )
        subscription = created.json()
        await http.post(
            "/v1/notifications/subscriptions",
            json={"channel": "email", "sites": [site], "kinds": ["work-order-assigned"]},
            headers=headers,
        )
        alerts = [
            AlertOpened(
                alert_id=str(uuid.uuid4()),
                kind="offline",
                severity="medium",
                status="open",
                title=f"Offline {n}",
                charge_point_id="NOTIFY-WH-CP",
                site=site,
                at=datetime.now(UTC),
            )
            for n in range(3)
        ]
        for alert in alerts:
            await publish(alert, alert.alert_id)

        async def disabled() -> bool:
            response = await http.get(
                f"/v1/notifications/subscriptions/{subscription['id']}", headers=headers
            )
            return bool(response.json()["status"] == "disabled")

        await eventually(disabled, timeout=60)
        assert receiver.attempts >= SETTINGS["webhook_disable_after_failures"]

        # The endpoint is down; an e-mail of the same operator is not held up by it.
        order = WorkOrderAssigned(
            work_order_id=str(uuid.uuid4()),
            title="Replace the cable",
            priority="normal",
            site=site,
            assignee="tech-1",
            at=datetime.now(UTC),
        )
        await publish(order, order.work_order_id)

        async def mailed() -> bool:
            subjects = {str(m["Subject"]) for m in notifications.smtp.mails_to(address)}
            return {
                "Webhook disabled after repeated failures",
                "Work order assigned: Replace the cable",
            } <= subjects

        await eventually(mailed, timeout=60)

        # Only the webhook's deliveries wait; the mails are recorded as sent (a moment after the
        # SMTP server has them).
        async def only_the_webhook_waits() -> bool:
            pending = await http.get(
                "/v1/notifications/deliveries",
                params={"status": "pending"},
                headers=headers,
            )
            return sorted(d["kind"] for d in pending.json()) == ["alert-opened"] * 3

        await eventually(only_the_webhook_waits, timeout=30)

        receiver.up = True
        enabled = await http.post(
            f"/v1/notifications/subscriptions/{subscription['id']}/enable", headers=headers
        )
        assert enabled.json()["status"] == "active"

        async def caught_up() -> bool:
            return len(receiver.accepted) == len(alerts)

        await eventually(caught_up, timeout=60)

    titles = sorted(json.loads(body)["data"]["title"] for _, body in receiver.accepted)
    assert titles == sorted(alert.title for alert in alerts)
    assert all(verify(subscription["secret"], sig, body) for sig, body in receiver.accepted)
