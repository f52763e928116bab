"""The role matrix of the README over every route, and the ownership checks: a driver gets 404
for another driver's preferences, an operator 404 for another operator's subscription."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Sequence

import pytest
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from tests.notifications.conftest import TOKENS
from tests.notifications.harness import Notifications

PUBLIC = frozenset({"none", "driver", "support", "operator", "admin", "service"})
DRIVER = frozenset({"driver"})
PREFERENCE_READERS = frozenset({"driver", "support", "admin"})
SUBSCRIBERS = frozenset({"operator", "admin"})
LOG_READERS = frozenset({"driver", "support", "operator", "admin"})
ADMIN = frozenset({"admin"})

MATRIX: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/v1/notifications/preferences/{user_id}"): PREFERENCE_READERS,
    ("PATCH", "/v1/notifications/preferences/{user_id}"): DRIVER,
    ("POST", "/v1/notifications/subscriptions"): SUBSCRIBERS,
    ("GET", "/v1/notifications/subscriptions"): SUBSCRIBERS,
    ("GET", "/v1/notifications/subscriptions/{subscription_id}"): SUBSCRIBERS,
    ("PATCH", "/v1/notifications/subscriptions/{subscription_id}"): SUBSCRIBERS,
    ("DELETE", "/v1/notifications/subscriptions/{subscription_id}"): SUBSCRIBERS,
    ("POST", "/v1/notifications/subscriptions/{subscription_id}/enable"): SUBSCRIBERS,
    ("POST", "/v1/notifications/subscriptions/{subscription_id}/rotate-secret"): SUBSCRIBERS,
    ("GET", "/v1/notifications/deliveries"): LOG_READERS,
    ("GET", "/v1/notifications/dev/mails"): ADMIN,
    ("GET", "/v1/notifications/dev/mails/{name}"): ADMIN,
}

CALLERS: dict[str, dict[str, str]] = {
    "none": {},
    "driver": TOKENS.auth("driver-1", "driver"),
    "support": TOKENS.auth("support-1", "support"),
    "operator": TOKENS.auth("operator-1", "operator"),
    "admin": TOKENS.auth("admin-1", "admin"),
    "service": TOKENS.auth("svc-1", "service", scopes=["account-mails:issue", "invoices:read"]),
}


def _walk(routes: Sequence[BaseRoute]) -> Iterator[BaseRoute]:
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _walk(included.routes)
        else:
            yield route


def _routes(service: Notifications) -> list[tuple[str, str]]:
    return sorted(
        (method, route.path)
        for route in _walk(service.app.routes)
        if isinstance(route, APIRoute)
        for method in route.methods or ()
        if method != "HEAD"
    )


def test_every_route_is_in_the_matrix(notifications: Notifications) -> None:
    assert set(_routes(notifications)) == set(MATRIX)


@pytest.mark.parametrize("caller", sorted(CALLERS))
async def test_role_matrix(notifications: Notifications, caller: str) -> None:
    for method, path in _routes(notifications):
        url = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
        body: dict[str, object] | None = {} if method in ("POST", "PATCH") else None
        response = await notifications.http.request(method, url, json=body, headers=CALLERS[caller])
        assert response.status_code < 500, (method, path, response.text)
        if caller in MATRIX[(method, path)]:
            assert response.status_code not in (401, 403), (method, path, response.text)
        else:
            expected = 401 if caller == "none" else 403
            assert response.status_code == expected, (method, path, response.status_code)
            assert response.headers["content-type"] == "application/problem+json"


async def test_a_driver_sees_and_changes_only_their_own_preferences(
    notifications: Notifications,
) -> None:
    http = notifications.http
    ada, bo = str(uuid.uuid4()), str(uuid.uuid4())
    as_ada = TOKENS.auth(ada, "driver")

    changed = await http.patch(
        "/v1/notifications/preferences/me",
        json={"kinds": {"booking-reminder": False}},
        headers=as_ada,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["kinds"]["booking-reminder"] is False
    assert changed.json()["kinds"]["receipt"] is True
    mine = await http.get(f"/v1/notifications/preferences/{ada}", headers=as_ada)
    assert mine.json()["kinds"]["booking-reminder"] is False

    for method in ("GET", "PATCH"):
        other = await http.request(
            method,
            f"/v1/notifications/preferences/{bo}",
            json={"kinds": {}} if method == "PATCH" else None,
            headers=as_ada,
        )
        assert other.status_code == 404, (method, other.text)

    refused = await http.patch(
        "/v1/notifications/preferences/me", json={"kinds": {"receipt": False}}, headers=as_ada
    )
    assert refused.status_code == 422
    staff = await http.get(
        f"/v1/notifications/preferences/{ada}", headers=TOKENS.auth("s-1", "support")
    )
    assert staff.status_code == 200
    assert staff.json()["kinds"]["booking-reminder"] is False


async def test_an_operator_sees_only_their_own_subscriptions(
    notifications: Notifications,
) -> None:
    http = notifications.http
    first, second = TOKENS.auth("op-first", "operator"), TOKENS.auth("op-second", "operator")
    created = await http.post(
        "/v1/notifications/subscriptions",
        json={
            "channel": "webhook",
            "url": "https://hooks.example/ladda",
            "kinds": ["alert-opened"],
        },
        headers=first,
    )
    assert created.status_code == 201, created.text
    subscription = created.json()
    assert subscription["secret"].startswith("whsec_")
    path = f"/v1/notifications/subscriptions/{subscription['id']}"

    read = await http.get(path, headers=first)
    assert read.status_code == 200
    assert "secret" not in read.json()
    for method, suffix in (
        ("GET", ""),
        ("PATCH", ""),
        ("DELETE", ""),
        ("POST", "/enable"),
        ("POST", "/rotate-secret"),
    ):
        response = await http.request(
            method, path + suffix, json={} if method == "PATCH" else None, headers=second
        )
        assert response.status_code == 404, (method, suffix)
    listed = await http.get("/v1/notifications/subscriptions", headers=second)
    assert subscription["id"] not in [s["id"] for s in listed.json()]
    admin = await http.get(path, headers=TOKENS.auth("admin-1", "admin"))
    assert admin.status_code == 200

    insecure = await http.post(
        "/v1/notifications/subscriptions",
        json={"channel": "webhook", "url": "ftp://hooks.example/x"},
        headers=first,
    )
    assert insecure.status_code == 422
    rotated = await http.post(path + "/rotate-secret", headers=first)
    assert rotated.json()["secret"] not in (None, subscription["secret"])
    assert (await http.delete(path, headers=first)).status_code == 204
    assert (await http.get(path, headers=first)).status_code == 404
