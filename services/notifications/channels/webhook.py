"""Outgoing webhooks: a signed JSON POST to an operator's endpoint.

Body: `{"id": delivery id, "event_id", "type": kind, "created_at", "data": {...}}`. Headers:
`Ladda-Signature` (see `signing`), `Ladda-Delivery-Id` (the same on every retry: receivers
drop duplicates by it), `Ladda-Event-Type`. Any 2xx is success; anything else is retried.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from services.notifications.channels.outcomes import SendFailed
from services.notifications.channels.signing import SIGNATURE_HEADER, sign


@dataclass(frozen=True)
class WebhookCall:
    delivery_id: str
    url: str
    secret: str
    kind: str
    body: dict[str, Any]


def encode(call: WebhookCall) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(call.body, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Ladda-Webhooks/1",
        SIGNATURE_HEADER: sign(call.secret, raw),
        "Ladda-Delivery-Id": call.delivery_id,
        "Ladda-Event-Type": call.kind,
    }
    return raw, headers


class WebhookSender:
    def __init__(self, timeout_s: float) -> None:
        # Redirects are not followed: the signed request goes where the operator said.
        self._client = httpx.AsyncClient(timeout=timeout_s, follow_redirects=False)

    async def send(self, call: WebhookCall) -> None:
        raw, headers = encode(call)
        try:
            response = await self._client.post(call.url, content=raw, headers=headers)
        except httpx.HTTPError as exc:
            raise SendFailed(type(exc).__name__, connection=True) from None
        if not 200 <= response.status_code < 300:
            raise SendFailed(f"http {response.status_code}")

    async def aclose(self) -> None:
        await self._client.aclose()
