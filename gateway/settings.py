"""Gateway settings (`LADDA_GATEWAY_*`): its port and the routing table."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Path prefix -> owning service. Longest prefix wins. A table, not code: override with
# LADDA_GATEWAY_ROUTES='{"/v1/new-thing": "booking", ...}'.
DEFAULT_ROUTES: dict[str, str] = {
    "/v1/charge-points": "connectivity",
    "/v1/sessions": "connectivity",
    "/v1/locations": "connectivity",
    "/v1/auth": "identity",
    "/v1/users": "identity",
    "/v1/id-tokens": "identity",
    "/.well-known/jwks.json": "identity",
    "/v1/reservations": "booking",
    "/v1/availability": "booking",
    "/v1/tariffs": "payment",
    "/v1/payment-methods": "payment",
    "/v1/payments": "payment",
    "/v1/invoices": "payment",
    "/v1/plans": "payment",
    "/v1/subscriptions": "payment",
    "/v1/stripe": "payment",
    "/v1/stats": "analytics",
    "/v1/alerts": "operations",
    "/v1/maintenance-plans": "operations",
    "/v1/inspections": "operations",
    "/v1/work-orders": "operations",
    "/v1/support": "support",
}


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LADDA_GATEWAY_", extra="ignore", frozen=True)

    host: str = "127.0.0.1"
    port: int = 8080
    routes: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_ROUTES))
    upstream_connectivity: str = "http://127.0.0.1:8101"
    upstream_identity: str = "http://127.0.0.1:8102"
    upstream_booking: str = "http://127.0.0.1:8103"
    upstream_payment: str = "http://127.0.0.1:8104"
    upstream_analytics: str = "http://127.0.0.1:8105"
    upstream_operations: str = "http://127.0.0.1:8106"
    upstream_support: str = "http://127.0.0.1:8107"
    upstream_timeout_s: float = 10.0
    log_level: str = Field("INFO", validation_alias="LADDA_LOG_LEVEL")
    log_format: str = Field("json", validation_alias="LADDA_LOG_FORMAT")

    def upstream(self, service: str) -> str:
        url: str = getattr(self, f"upstream_{service}")
        return url.rstrip("/")
