"""Prometheus metrics of the gateway, per route group (the routing table's prefix) and upstream.

Label values come from the routing table and a fixed set of outcomes, never from the raw path,
so cardinality stays bounded. Labelled children are cached: `labels()` is not free on the hot path.
"""

from __future__ import annotations

from functools import lru_cache

from prometheus_client import Counter, Histogram

UPSTREAM_REQUESTS = Counter(
    "ladda_gateway_upstream_requests_total",
    "Requests forwarded to an upstream, by route group, method and status class",
    ["upstream", "route", "method", "status"],
)
UPSTREAM_DURATION = Histogram(
    "ladda_gateway_upstream_duration_seconds",
    "Time from forwarding a request until the upstream's response headers arrived",
    ["upstream", "route"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
UPSTREAM_ERRORS = Counter(
    "ladda_gateway_upstream_errors_total",
    "Upstream failures answered by the gateway itself (down, timeout, broken)",
    ["upstream", "route", "kind"],
)
REJECTIONS = Counter(
    "ladda_gateway_rejections_total",
    "Requests the gateway answered itself without forwarding, by reason",
    ["route", "reason"],
)
RATE_LIMITER_ERRORS = Counter(
    "ladda_gateway_rate_limiter_errors_total",
    "Rate-limit store failures (requests were let through)",
)


@lru_cache(maxsize=4096)
def upstream_requests(upstream: str, route: str, method: str, status: str) -> Counter:
    return UPSTREAM_REQUESTS.labels(upstream, route, method, status)


@lru_cache(maxsize=1024)
def upstream_duration(upstream: str, route: str) -> Histogram:
    return UPSTREAM_DURATION.labels(upstream, route)


def upstream_error(upstream: str, route: str, kind: str) -> None:
    UPSTREAM_ERRORS.labels(upstream, route, kind).inc()


def rejected(route: str, reason: str) -> None:
    REJECTIONS.labels(route, reason).inc()
