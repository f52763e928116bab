"""Every route of pay as you go, guests, plans and subscriptions with every role (the role
matrix in the README). `FLOWS_MATRIX` is written to be folded into the service-wide matrix."""

from __future__ import annotations

import uuid

from pydantic import SecretStr

from tests.helpers.roles import NO_TOKEN, PUBLIC, Matrix, walk
from tests.payment.support import PaymentService, auth

SETTINGS = {"guest_link_secret": SecretStr("role-test-" + uuid.uuid4().hex)}
ROLES = ("driver", "support", "operator", "admin", "service")
STAFF = {"support", "operator", "admin"}
READERS = {"driver", *STAFF}
MANAGERS = {"operator", "admin"}
PREFIXES = (
    "/v1/payments/holds",
    "/v1/payments/card-starts",
    "/c/",
    "/v1/guest",
    "/v1/plans",
    "/v1/subscriptions",
)

FLOWS_MATRIX: Matrix = {
    ("POST", "/v1/payments/holds"): {"driver"},
    ("GET", "/v1/payments/holds"): {"driver"},
    ("GET", "/v1/payments/holds/{hold_id}"): READERS,
    ("POST", "/v1/payments/holds/{hold_id}/confirmation"): {"driver"},
    ("POST", "/v1/payments/holds/{hold_id}/stop"): {"driver"},
    # Starts with the saved card: drivers only, even for reading (their own; 404 otherwise).
    ("POST", "/v1/payments/card-starts"): {"driver"},
    ("GET", "/v1/payments/card-starts"): {"driver"},
    ("GET", "/v1/payments/card-starts/{start_id}"): {"driver"},
    ("POST", "/v1/payments/card-starts/{start_id}/stop"): {"driver"},
    # Guests: no login; their own session only through a capability link (tested in
    # test_guests: forged or expired links are refused).
    ("GET", "/c/{charge_point_id}/{connector_id}"): PUBLIC,
    ("POST", "/v1/guest/connectors/{charge_point_id}/{connector_id}/holds"): PUBLIC,
    ("GET", "/v1/guest/session"): PUBLIC,
    ("POST", "/v1/guest/session/confirmation"): PUBLIC,
    ("POST", "/v1/guest/session/stop"): PUBLIC,
    ("GET", "/v1/guest/session/receipt.pdf"): PUBLIC,
    ("POST", "/v1/plans"): MANAGERS,
    ("GET", "/v1/plans"): READERS,
    ("GET", "/v1/plans/{plan_id}"): READERS,
    ("PATCH", "/v1/plans/{plan_id}"): MANAGERS,
    ("POST", "/v1/subscriptions"): {"driver"},
    ("GET", "/v1/subscriptions"): READERS,
    ("GET", "/v1/subscriptions/{subscription_id}"): READERS,
    ("PATCH", "/v1/subscriptions/{subscription_id}"): {"driver"},
    ("DELETE", "/v1/subscriptions/{subscription_id}"): {"driver"},
}
BODIES = {
    ("POST", "/v1/payments/holds"): {"charge_point_id": "ROLE-CP", "connector_id": 1},
    ("POST", "/v1/payments/card-starts"): {"charge_point_id": "ROLE-CP", "connector_id": 1},
    ("POST", "/v1/plans"): {"name": "Role test", "kind": "unlimited", "monthly_fee_minor": 100},
    ("PATCH", "/v1/plans/{plan_id}"): {"name": "Renamed"},
    ("POST", "/v1/subscriptions"): {"plan_id": str(uuid.uuid4())},
    ("PATCH", "/v1/subscriptions/{subscription_id}"): {"plan_id": str(uuid.uuid4())},
}


def concrete(path: str) -> str:
    for name in ("hold_id", "start_id", "plan_id", "subscription_id"):
        path = path.replace("{" + name + "}", str(uuid.uuid4()))
    return path.replace("{charge_point_id}", "ROLE-CP").replace("{connector_id}", "1")


async def test_the_matrix_names_every_route_of_the_flows(payment: PaymentService) -> None:
    document = (await payment.http.get("/openapi.json")).json()
    routes = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        if path.startswith(PREFIXES)
        for method in operations
    }
    assert routes == set(FLOWS_MATRIX)


def callers() -> dict[str, dict[str, str]]:
    """Every role of the matrix, and no token at all."""
    found: dict[str, dict[str, str]] = {NO_TOKEN: {}}
    for role in ROLES:
        found[role] = auth(f"role-{role}", role)
    return found


async def test_every_route_of_the_flows_with_every_role(payment: PaymentService) -> None:
    for caller, headers in callers().items():
        await walk(
            payment.http,
            list(FLOWS_MATRIX),
            FLOWS_MATRIX,
            caller,
            headers,
            concrete=concrete,
            body=lambda method, path: BODIES.get((method, path)),
        )
