"""The guest routes (ad-hoc charging without an account) are public; pay-as-you-go is not."""

from __future__ import annotations

from gateway.routing import AccessPolicy, RoutingTable
from gateway.settings import DEFAULT_PUBLIC_ROUTES, DEFAULT_ROLE_GROUPS, DEFAULT_ROUTES


def test_a_connector_qr_address_and_the_guest_session_are_public_and_go_to_payment() -> None:
    table = RoutingTable(DEFAULT_ROUTES)
    policy = AccessPolicy(DEFAULT_PUBLIC_ROUTES, DEFAULT_ROLE_GROUPS)
    for method, path in (
        ("GET", "/c/CP-1/2"),
        ("POST", "/v1/guest/connectors/CP-1/2/holds"),
        ("GET", "/v1/guest/session"),
        ("POST", "/v1/guest/session/stop"),
        ("GET", "/v1/guest/session/receipt.pdf"),
    ):
        assert table.service_for(path) == "payment", path
        assert policy.is_public(method, path), path
    # A driver's holds need a login; the QR address is read-only.
    assert table.service_for("/v1/payments/holds") == "payment"
    assert not policy.is_public("POST", "/v1/payments/holds")
    assert not policy.is_public("POST", "/c/CP-1/2")
    assert table.service_for("/charge") is None
