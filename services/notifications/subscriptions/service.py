"""Operators' subscriptions: what reaches them (kind, severity, site) on which channel."""

from __future__ import annotations

import secrets
import uuid
from urllib.parse import urlsplit

from services.notifications.deliveries import repository as deliveries
from services.notifications.subscriptions import repository
from services.notifications.subscriptions.repository import SubscriptionRow
from services.notifications.subscriptions.schemas import (
    Subscription,
    SubscriptionIn,
    SubscriptionPatch,
    SubscriptionWithSecret,
)
from shared.auth.jwt import Principal
from shared.db import Connection
from shared.problems import Invalid, NotFound


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def view(row: SubscriptionRow) -> Subscription:
    return Subscription.model_validate(
        {name: getattr(row, name) for name in Subscription.model_fields}
    )


def view_with_secret(row: SubscriptionRow) -> SubscriptionWithSecret:
    return SubscriptionWithSecret(**view(row).model_dump(), secret=row.secret)


class Subscriptions:
    def __init__(self, *, allow_http: bool) -> None:
        self._allow_http = allow_http

    def _check_url(self, url: str | None) -> str:
        if not url:
            raise Invalid("A webhook subscription needs a url.")
        parts = urlsplit(url)
        schemes = ("https", "http") if self._allow_http else ("https",)
        if parts.scheme not in schemes or not parts.hostname:
            raise Invalid("The webhook url must be an absolute " + " or ".join(schemes) + " URL.")
        if parts.username or parts.password:
            raise Invalid("The webhook url must not carry credentials.")
        return url

    async def _own(
        self, conn: Connection, principal: Principal, subscription_id: uuid.UUID
    ) -> SubscriptionRow:
        row = await repository.get(conn, subscription_id)
        if row is None or not (row.owner_id == principal.subject or principal.has_any(["admin"])):
            raise NotFound("No such subscription.")
        return row

    async def create(
        self, conn: Connection, principal: Principal, body: SubscriptionIn
    ) -> SubscriptionWithSecret:
        webhook = body.channel == "webhook"
        if not webhook and body.url is not None:
            raise Invalid("An e-mail subscription has no url.")
        row = await repository.insert(
            conn,
            owner_id=principal.subject,
            channel=body.channel,
            url=self._check_url(body.url) if webhook else None,
            secret=new_secret() if webhook else None,
            min_severity=body.min_severity,
            sites=sorted(set(body.sites)),
            kinds=sorted(set(body.kinds)),
        )
        return view_with_secret(row)

    async def list(self, conn: Connection, principal: Principal) -> list[Subscription]:
        owner = None if principal.has_any(["admin"]) else principal.subject
        return [view(row) for row in await repository.list_of(conn, owner)]

    async def read(
        self, conn: Connection, principal: Principal, subscription_id: uuid.UUID
    ) -> Subscription:
        return view(await self._own(conn, principal, subscription_id))

    async def change(
        self,
        conn: Connection,
        principal: Principal,
        subscription_id: uuid.UUID,
        patch: SubscriptionPatch,
    ) -> Subscription:
        row = await self._own(conn, principal, subscription_id)
        fields: dict[str, object] = {}
        if patch.url is not None:
            if row.channel != "webhook":
                raise Invalid("An e-mail subscription has no url.")
            fields["url"] = self._check_url(patch.url)
        if patch.min_severity is not None:
            fields["min_severity"] = patch.min_severity
        if patch.sites is not None:
            fields["sites"] = sorted(set(patch.sites))
        if patch.kinds is not None:
            fields["kinds"] = sorted(set(patch.kinds))
        if not fields:
            return view(row)
        return view(await repository.update(conn, row.id, **fields))

    async def delete(
        self, conn: Connection, principal: Principal, subscription_id: uuid.UUID
    ) -> None:
        row = await self._own(conn, principal, subscription_id)
        await repository.update(conn, row.id, status="deleted")
        await deliveries.drop_pending_of_subscription(conn, row.id, "subscription-deleted")

    async def enable(
        self, conn: Connection, principal: Principal, subscription_id: uuid.UUID
    ) -> Subscription:
        """Back in service after being disabled: its waiting deliveries are sent again."""
        row = await self._own(conn, principal, subscription_id)
        return view(
            await repository.update(
                conn,
                row.id,
                status="active",
                consecutive_failures=0,
                disabled_at=None,
                disabled_reason=None,
            )
        )

    async def rotate_secret(
        self, conn: Connection, principal: Principal, subscription_id: uuid.UUID
    ) -> SubscriptionWithSecret:
        row = await self._own(conn, principal, subscription_id)
        if row.channel != "webhook":
            raise Invalid("Only webhook subscriptions have a signing secret.")
        return view_with_secret(await repository.update(conn, row.id, secret=new_secret()))
