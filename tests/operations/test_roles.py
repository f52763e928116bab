"""The role matrix of the README, walked over EVERY route of the operations app with every
role: driver, support, operator, admin, a service account (with and without `alerts:read`),
and no token at all. A route missing from the matrix fails the test."""

from __future__ import annotations

import pytest

from tests.helpers.roles import NO_TOKEN, PUBLIC, Matrix, app_routes, walk
from tests.operations.support import Operations, auth

OPERATORS = frozenset({"operator", "admin"})
ALERT_READERS = frozenset({"operator", "admin", "support", "service+alerts:read"})

# (method, path) -> who passes authorisation. Keep in step with the README's role matrix.
MATRIX: Matrix = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/v1/station-safety/{charge_point_id}"): PUBLIC,
    ("GET", "/v1/alerts"): ALERT_READERS,
    ("GET", "/v1/alerts/{alert_id}"): ALERT_READERS,
    ("POST", "/v1/alerts/{alert_id}/acknowledge"): OPERATORS,
    ("POST", "/v1/alerts/{alert_id}/resolve"): OPERATORS,
    ("GET", "/v1/security-equipment"): OPERATORS,
    ("POST", "/v1/security-equipment"): OPERATORS,
    ("GET", "/v1/security-equipment/{equipment_id}"): OPERATORS,
    ("PATCH", "/v1/security-equipment/{equipment_id}"): OPERATORS,
    ("DELETE", "/v1/security-equipment/{equipment_id}"): OPERATORS,
    ("GET", "/v1/checklist-templates"): OPERATORS,
    ("POST", "/v1/checklist-templates"): OPERATORS,
    ("GET", "/v1/checklist-templates/{template_id}"): OPERATORS,
    ("PATCH", "/v1/checklist-templates/{template_id}"): OPERATORS,
    ("GET", "/v1/maintenance-plans"): OPERATORS,
    ("POST", "/v1/maintenance-plans"): OPERATORS,
    ("GET", "/v1/maintenance-plans/{plan_id}"): OPERATORS,
    ("PATCH", "/v1/maintenance-plans/{plan_id}"): OPERATORS,
    ("GET", "/v1/inspections"): OPERATORS,
    ("POST", "/v1/inspections"): OPERATORS,
    ("GET", "/v1/inspections/{inspection_id}"): OPERATORS,
    ("POST", "/v1/inspections/{inspection_id}/complete"): OPERATORS,
    ("POST", "/v1/inspections/{inspection_id}/cancel"): OPERATORS,
    ("GET", "/v1/work-orders"): OPERATORS,
    ("POST", "/v1/work-orders"): OPERATORS,
    ("GET", "/v1/work-orders/{work_order_id}"): OPERATORS,
    ("PATCH", "/v1/work-orders/{work_order_id}"): OPERATORS,
    ("POST", "/v1/work-orders/{work_order_id}/notes"): OPERATORS,
}

CALLERS: dict[str, dict[str, str]] = {
    NO_TOKEN: {},
    "driver": auth("driver-1", "driver"),
    "support": auth("support-1", "support"),
    "operator": auth("operator-1", "operator"),
    "admin": auth("admin-1", "admin"),
    # A service account with an unrelated scope, and one allowed to read alerts.
    "service": auth("svc-booking", "service", scopes=("commands:reserve",)),
    "service+alerts:read": auth("svc-notifications", "service", scopes=("alerts:read",)),
}


def test_every_route_is_in_the_matrix(ops: Operations) -> None:
    assert set(app_routes(ops.app)) == set(MATRIX)


@pytest.mark.parametrize("caller", sorted(CALLERS))
async def test_role_matrix(ops: Operations, caller: str) -> None:
    await walk(ops.http, app_routes(ops.app), MATRIX, caller, CALLERS[caller])
