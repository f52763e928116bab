"""Every route of booking's app with every role: who gets in (the README's role matrix).

Allowed callers may still get 404/409/422 (ownership, rules); refused ones get 403, and callers
without a token 401. A route missing from the matrix fails the test.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from tests.booking.support import Service, auth, create_charge_point, window

DRIVER = "driver-rm"
ROLES: dict[str, dict[str, str]] = {
    "none": {},
    "driver": auth(DRIVER, "driver"),
    "support": auth("support-rm", "support"),
    "operator": auth("operator-rm", "operator"),
    "admin": auth("admin-rm", "admin"),
    "service": auth("svc-rm", "service"),
    "service+bookings:read": auth("svc-read", "service", scopes=("bookings:read",)),
    "no role": auth("nobody-rm"),
}
READERS = {"driver", "support", "operator", "admin", "service+bookings:read"}
MATRIX: dict[tuple[str, str], set[str]] = {
    ("POST", "/v1/reservations"): {"driver", "operator", "admin"},
    ("GET", "/v1/reservations"): READERS,
    ("POST", "/v1/reservations/blocks"): {"operator", "admin"},
    ("GET", "/v1/reservations/{reservation_id}"): READERS,
    ("POST", "/v1/reservations/{reservation_id}/cancel"): {"driver", "operator", "admin"},
    ("GET", "/v1/availability"): READERS | {"service"},
    ("GET", "/v1/availability/maintenance-windows"): {"support", "operator", "admin"},
    ("POST", "/v1/availability/maintenance-windows"): {"operator", "admin"},
    ("DELETE", "/v1/availability/maintenance-windows/{window_id}"): {"operator", "admin"},
}
PUBLIC = {"/healthz", "/readyz", "/metrics"}


async def test_every_route_with_every_role(service: Service) -> None:
    routes = {
        (method.upper(), path)
        for path, operations in service.app.openapi()["paths"].items()
        if path not in PUBLIC
        for method in operations
    }
    assert routes == set(MATRIX), routes ^ set(MATRIX)

    async with service.pool.acquire() as conn:
        cp_id = await create_charge_point(conn, connectors=4)
    settings = service.settings
    booked = await service.http.post(
        "/v1/reservations",
        json={"charge_point_id": cp_id, "connector_id": 1, **window(settings)},
        headers=ROLES["driver"],
    )
    assert booked.status_code == 201, booked.text
    reservation_id = booked.json()["id"]

    def request(method: str, path: str, index: int) -> tuple[str, dict[str, Any]]:
        later = window(settings, timedelta(days=2 + index))
        bodies: dict[tuple[str, str], dict[str, Any]] = {
            ("POST", "/v1/reservations"): {
                "charge_point_id": cp_id,
                "user_id": DRIVER,
                **later,
            },
            ("POST", "/v1/reservations/blocks"): {
                "charge_point_id": cp_id,
                "connector_id": 2,
                **later,
            },
            ("POST", "/v1/availability/maintenance-windows"): {
                "charge_point_id": cp_id,
                "connector_id": 3,
                **later,
            },
        }
        url = path.format(reservation_id=reservation_id, window_id=uuid.uuid4())
        params = {"charge_point_id": cp_id} if path == "/v1/availability" else {}
        return url, {"json": bodies.get((method, path)), "params": params}

    for (method, path), allowed in MATRIX.items():
        for index, (role, headers) in enumerate(ROLES.items()):
            url, extra = request(method, path, index)
            response = await service.http.request(method, url, headers=headers, **extra)
            where = f"{method} {path} as {role}: {response.status_code} {response.text[:200]}"
            if role == "none":
                assert response.status_code == 401, where
            elif role in allowed:
                assert response.status_code not in (401, 403), where
                assert response.status_code < 500, where
            else:
                assert response.status_code == 403, where
            if response.status_code >= 400:
                assert response.headers["content-type"].startswith("application/problem+json")
