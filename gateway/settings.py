"""Gateway settings (`LADDA_GATEWAY_*`): routing table, access policy, limits, CORS, upstreams.

Everything the gateway decides per request is a table here, not code: which service owns a path
prefix, which routes are public, which route groups need which roles. Lists and dicts are given
as JSON in the environment, e.g. `LADDA_GATEWAY_ROUTES='{"/v1/new-thing": "booking"}'`.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Path prefix -> owning service. Longest prefix wins.
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
    # Guests (no account): a connector's printed QR code, and the guest's own session.
    "/c": "payment",
    "/v1/guest": "payment",
    "/v1/stats": "analytics",
    "/v1/alerts": "operations",
    "/v1/maintenance-plans": "operations",
    "/v1/inspections": "operations",
    "/v1/work-orders": "operations",
    "/v1/security-equipment": "operations",
    "/v1/checklist-templates": "operations",
    "/v1/station-safety": "operations",
    "/v1/support": "support",
    "/v1/notifications": "notifications",
}

# "METHOD /exact/path" or "METHOD /prefix/**" (the prefix itself and everything below it).
# Everything not listed here needs a valid access token.
DEFAULT_PUBLIC_ROUTES: list[str] = [
    "POST /v1/auth/register",
    "POST /v1/auth/login",
    "POST /v1/auth/refresh",
    # Logout needs only the refresh token: a client whose access token expired can still log out.
    "POST /v1/auth/logout",
    "POST /v1/auth/token",
    # E-mail verification and password reset: the link's token is the credential.
    "POST /v1/auth/verify-email",
    "POST /v1/auth/password-reset",
    "POST /v1/auth/password-reset/confirm",
    "GET /.well-known/jwks.json",
    # The public charger map and the public prices, including single entries.
    "GET /v1/locations/**",
    "GET /v1/tariffs/**",
    # A station's public safety features (lit, camera-monitored...), for drivers choosing one.
    "GET /v1/station-safety/**",
    # Stripe signs its webhooks; the payment service verifies the signature.
    "POST /v1/stripe/webhook",
    # Ad-hoc charging without an account (AFIR): the QR code's page and the guest's session,
    # reached with a signed capability link that payment verifies.
    "GET /c/**",
    "GET /v1/guest/**",
    "POST /v1/guest/**",
]

# Coarse role requirements per path prefix (longest prefix wins): a token without any of the
# roles is refused with 403 before the request reaches the service. Services still check
# ownership and finer rules themselves; the gateway is not the only lock.
STAFF_OPERATIONS = ["operator", "admin", "service"]
DEFAULT_ROLE_GROUPS: dict[str, list[str]] = {
    # Support staff read alerts (operations refuses them every change).
    "/v1/alerts": [*STAFF_OPERATIONS, "support"],
    "/v1/maintenance-plans": STAFF_OPERATIONS,
    "/v1/inspections": STAFF_OPERATIONS,
    "/v1/work-orders": STAFF_OPERATIONS,
    "/v1/security-equipment": STAFF_OPERATIONS,
    "/v1/checklist-templates": STAFF_OPERATIONS,
    # Network figures: operators and admins (service accounts need `stats:read` in analytics);
    # per-charge-point figures also support staff, who answer "this charger is always broken".
    "/v1/stats/network": STAFF_OPERATIONS,
    "/v1/stats/charge-points": [*STAFF_OPERATIONS, "support"],
    # Support: drivers' own tickets, and the staff queue (no service account reaches either).
    "/v1/support/tickets": ["driver"],
    "/v1/support/queue": ["support", "operator", "admin"],
    # Notifications: operators' subscriptions (and the local mail folder, admins only); the
    # service checks ownership and the finer rules. No service account reaches any of it.
    "/v1/notifications/subscriptions": ["operator", "admin"],
    "/v1/notifications/dev": ["admin"],
    "/v1/notifications": ["driver", "support", "operator", "admin"],
}


def _platform(name: str) -> AliasChoices:
    return AliasChoices(f"LADDA_{name}")


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LADDA_GATEWAY_", extra="ignore", frozen=True, populate_by_name=True
    )

    host: str = "127.0.0.1"
    port: int = 8080

    # -- routing and upstreams ---------------------------------------------------------------
    routes: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_ROUTES))
    upstream_connectivity: str = "http://127.0.0.1:8101"
    upstream_identity: str = "http://127.0.0.1:8102"
    upstream_booking: str = "http://127.0.0.1:8103"
    upstream_payment: str = "http://127.0.0.1:8104"
    upstream_analytics: str = "http://127.0.0.1:8105"
    upstream_operations: str = "http://127.0.0.1:8106"
    upstream_support: str = "http://127.0.0.1:8107"
    upstream_notifications: str = "http://127.0.0.1:8108"
    # Time to wait for an upstream's answer (and for each later read) before answering 504;
    # per-service overrides in `upstream_timeouts`, e.g. '{"analytics": 30}'.
    upstream_timeout_s: float = 10.0
    upstream_timeouts: dict[str, float] = Field(default_factory=dict)
    # Operations that wait on purpose get their own timeout ("METHOD /path", `*` = one segment).
    # A command waits for the charger's answer up to its own timeout (connectivity: 30 s by
    # default, `timeout_s` at most 300): the gateway waits longer, so it never answers 504 while
    # the command may still succeed (operators retried such 504s and duplicated RemoteStart).
    route_timeouts: dict[str, float] = Field(
        default_factory=lambda: {"POST /v1/charge-points/*/commands": 310.0}
    )
    # An upstream that does not accept a connection within this is down: 503.
    upstream_connect_timeout_s: float = 2.0
    upstream_max_connections: int = 200
    upstream_max_keepalive: int = 100

    # -- authentication and authorisation ----------------------------------------------------
    jwks_url: str = Field(
        "http://127.0.0.1:8102/.well-known/jwks.json", validation_alias=_platform("JWKS_URL")
    )
    jwt_issuer: str = Field("ladda-identity", validation_alias=_platform("JWT_ISSUER"))
    jwt_audience: str = Field("ladda", validation_alias=_platform("JWT_AUDIENCE"))
    jwt_leeway_s: int = Field(30, ge=0, le=300, validation_alias=_platform("JWT_LEEWAY_S"))
    # The JWKS is refetched when this old: a key identity stopped publishing is dropped.
    jwks_ttl_s: float = Field(300.0, gt=0, validation_alias=_platform("JWKS_TTL_S"))
    # identity's access revocations (`identity.users.v1`) are followed from here.
    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092", validation_alias=_platform("KAFKA_BOOTSTRAP_SERVERS")
    )
    # A flood of tokens with unknown `kid`s refetches identity's JWKS at most this often.
    jwks_min_refetch_interval_s: float = 10.0
    # Verified tokens are remembered until they expire (bounded), so the signature of a token
    # is checked once, not on every request.
    token_cache_size: int = 10_000
    public_routes: list[str] = Field(default_factory=lambda: list(DEFAULT_PUBLIC_ROUTES))
    role_groups: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_ROLE_GROUPS.items()}
    )

    # -- limits ------------------------------------------------------------------------------
    # `limits` notation; moving window. The address limit applies before the token is looked
    # at (so bad tokens cannot be tried at full speed), the user limit after.
    rate_limit_enabled: bool = True
    rate_limit_per_user: str = "600/minute"
    rate_limit_per_address: str = "1200/minute"
    # In-process by default; e.g. "async+redis://redis:6379" to share counters between replicas.
    rate_limit_storage_uri: str = "async+memory://"
    max_body_bytes: int = 1_048_576

    # -- client addresses --------------------------------------------------------------------
    # Number of trusted reverse proxies in front of the gateway: the client address is then
    # taken that many entries from the right of X-Forwarded-For. 0 trusts no header.
    trusted_proxy_hops: int = 0

    # -- browser security --------------------------------------------------------------------
    cors_origins: list[str] = Field(default_factory=list)
    cors_max_age_s: int = 600
    # Set when TLS is terminated in front of the gateway: adds Strict-Transport-Security.
    behind_tls: bool = False

    # -- the web app ---------------------------------------------------------------------------
    # The built app (`web/dist`); unset, the gateway serves the API only. `make run` sets it.
    web_dist_dir: str | None = None
    # Map tiles for the app's maps, e.g. "https://tile.openstreetmap.org/{z}/{x}/{y}.png" (its
    # origin joins the CSP's img-src). Empty: no tiles, the markers still show.
    web_map_tiles_url: str = ""
    web_map_attribution: str = ""
    # Stripe for the app's card forms (Stripe.js / Elements): the publishable key and where
    # Stripe.js is loaded from; its origin joins the CSP's script-src and frame-src, and the
    # Stripe API's origin its connect-src. Locally: localstripe's stand-in,
    # `http://127.0.0.1:8420/js.stripe.com/v3/` (API on the same origin). Empty: no card forms.
    web_stripe_publishable_key: str = ""
    web_stripe_js_url: str = ""
    web_stripe_api_url: str = "https://api.stripe.com"

    # -- merged OpenAPI ----------------------------------------------------------------------
    openapi_cache_s: float = 30.0
    openapi_fetch_timeout_s: float = 3.0

    # -- operations ----------------------------------------------------------------------------
    # `/metrics` and the detailed `/readyz` for Prometheus and probes, without a token, on this
    # address only (keep it off the public network). The public port shows them to admins only.
    internal_host: str = "127.0.0.1"
    internal_port: int | None = None

    log_level: str = Field("INFO", validation_alias=_platform("LOG_LEVEL"))
    log_format: str = Field("json", validation_alias=_platform("LOG_FORMAT"))

    def upstream(self, service: str) -> str:
        url: str = getattr(self, f"upstream_{service}")
        return url.rstrip("/")

    def timeout_for(self, service: str) -> float:
        return self.upstream_timeouts.get(service, self.upstream_timeout_s)

    def services(self) -> list[str]:
        """Every service the routing table names, in a stable order."""
        return sorted(set(self.routes.values()))
