"""REST of operators' subscriptions: `/v1/notifications/subscriptions` (own ones; admins all)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from services.notifications.access import SubscriberPrincipal
from services.notifications.subscriptions.schemas import (
    Subscription,
    SubscriptionIn,
    SubscriptionPatch,
    SubscriptionWithSecret,
)
from services.notifications.subscriptions.service import Subscriptions
from shared.service import DbConn


def _subscriptions(request: Request) -> Subscriptions:
    subscriptions: Subscriptions = request.app.state.subscriptions
    return subscriptions


SubscriptionsDep = Annotated[Subscriptions, Depends(_subscriptions)]

router = APIRouter(prefix="/v1/notifications/subscriptions", tags=["subscriptions (operators)"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create(
    body: SubscriptionIn,
    conn: DbConn,
    principal: SubscriberPrincipal,
    subscriptions: SubscriptionsDep,
) -> SubscriptionWithSecret:
    """A webhook subscription's signing secret is shown here once."""
    return await subscriptions.create(conn, principal, body)


@router.get("")
async def list_subscriptions(
    conn: DbConn, principal: SubscriberPrincipal, subscriptions: SubscriptionsDep
) -> list[Subscription]:
    return await subscriptions.list(conn, principal)


@router.get("/{subscription_id}")
async def read(
    subscription_id: uuid.UUID,
    conn: DbConn,
    principal: SubscriberPrincipal,
    subscriptions: SubscriptionsDep,
) -> Subscription:
    return await subscriptions.read(conn, principal, subscription_id)


@router.patch("/{subscription_id}")
async def change(
    subscription_id: uuid.UUID,
    body: SubscriptionPatch,
    conn: DbConn,
    principal: SubscriberPrincipal,
    subscriptions: SubscriptionsDep,
) -> Subscription:
    return await subscriptions.change(conn, principal, subscription_id, body)


@router.delete("/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete(
    subscription_id: uuid.UUID,
    conn: DbConn,
    principal: SubscriberPrincipal,
    subscriptions: SubscriptionsDep,
) -> None:
    await subscriptions.delete(conn, principal, subscription_id)


@router.post("/{subscription_id}/enable")
async def enable(
    subscription_id: uuid.UUID,
    conn: DbConn,
    principal: SubscriberPrincipal,
    subscriptions: SubscriptionsDep,
) -> Subscription:
    """After it was disabled for repeated failures: the deliveries that waited are sent."""
    return await subscriptions.enable(conn, principal, subscription_id)


@router.post("/{subscription_id}/rotate-secret")
async def rotate_secret(
    subscription_id: uuid.UUID,
    conn: DbConn,
    principal: SubscriberPrincipal,
    subscriptions: SubscriptionsDep,
) -> SubscriptionWithSecret:
    return await subscriptions.rotate_secret(conn, principal, subscription_id)
