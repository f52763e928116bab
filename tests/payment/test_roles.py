"""Every route of the payment service with every role: the role matrix of the README."""

from __future__ import annotations

import uuid

from tests.helpers.roles import PUBLIC, Matrix, walk
from tests.payment.support import PaymentService
from tests.payment.test_roles_flows import PREFIXES as FLOW_PREFIXES
from tests.payment.test_roles_flows import callers

STAFF = {"support", "operator", "admin"}
READERS = {"driver", *STAFF}

# (method, path) -> who may call it; everyone else gets 403 (with a token) or 401 (without).
MATRIX: Matrix = {
    ("POST", "/v1/payment-methods/setup-intents"): {"driver"},
    ("POST", "/v1/payment-methods"): {"driver"},
    ("GET", "/v1/payment-methods"): {"driver"},
    ("GET", "/v1/payment-methods/standing"): {"driver"},
    ("GET", "/v1/payment-methods/users/{user_id}"): STAFF,
    ("POST", "/v1/payment-methods/{method_id}/default"): {"driver"},
    ("DELETE", "/v1/payment-methods/{method_id}"): {"driver"},
    ("GET", "/v1/tariffs/current/{charge_point_id}/{connector_id}"): PUBLIC,
    ("POST", "/v1/tariffs"): {"operator", "admin"},
    ("GET", "/v1/tariffs"): PUBLIC,
    ("GET", "/v1/tariffs/{tariff_id}"): PUBLIC,
    ("PATCH", "/v1/tariffs/{tariff_id}"): {"operator", "admin"},
    ("GET", "/v1/invoices"): READERS,
    ("GET", "/v1/invoices/{invoice_id}"): READERS,
    ("GET", "/v1/invoices/{invoice_id}/receipt.pdf"): READERS,
    ("POST", "/v1/invoices/{invoice_id}/pay"): {"driver"},
    ("POST", "/v1/invoices/{invoice_id}/refunds"): STAFF,
    ("POST", "/v1/stripe/webhook"): PUBLIC,
}
PLATFORM = {
    "/healthz",
    "/readyz",
    "/metrics",
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
}
BODIES = {
    ("POST", "/v1/payment-methods"): {"setup_intent_id": "seti_unknown"},
    ("POST", "/v1/tariffs"): {
        "name": "Role test",
        "elements": [{"price_components": [{"type": "ENERGY", "price_minor": 300}]}],
    },
    ("PATCH", "/v1/tariffs/{tariff_id}"): {"name": "Renamed"},
    ("POST", "/v1/invoices/{invoice_id}/refunds"): {"amount_minor": 1, "reason": "role test"},
}


def concrete(path: str) -> str:
    return (
        path.replace("{user_id}", "someone")
        .replace("{method_id}", "pm_unknown")
        .replace("{charge_point_id}", "ROLE-CP")
        .replace("{connector_id}", "1")
        .replace("{tariff_id}", str(uuid.uuid4()))
        .replace("{invoice_id}", str(uuid.uuid4()))
    )


async def test_the_matrix_names_every_route(payment: PaymentService) -> None:
    document = (await payment.http.get("/openapi.json")).json()
    routes = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        if path not in PLATFORM and not path.startswith(FLOW_PREFIXES)
        for method in operations
    }
    # The flows' routes (holds, guests, plans, subscriptions) are walked by test_roles_flows.
    assert routes == set(MATRIX)


async def test_every_route_with_every_role(payment: PaymentService) -> None:
    for caller, headers in callers().items():
        await walk(
            payment.http,
            list(MATRIX),
            MATRIX,
            caller,
            headers,
            concrete=concrete,
            body=lambda method, path: BODIES.get((method, path)),
        )
