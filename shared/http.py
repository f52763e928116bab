"""ASGI middleware for every HTTP app: correlation id in and out, access log, request metrics.

Pure ASGI (no `BaseHTTPMiddleware`): no extra task or body copy per request, streaming bodies
pass straight through. Inner layers may add fields to the request's access-log line through
`log_fields(scope)` (the gateway adds route group, upstream, subject and client address); a
`route` field there is also the metrics' route label.
"""

from __future__ import annotations

import re
import time
from typing import Any

import structlog
from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.logging import CORRELATION_HEADER, correlation_id, new_correlation_id
from shared.problems import problem

log = structlog.get_logger("http.access")

HTTP_DURATION = Histogram(
    "ladda_http_request_duration_seconds",
    "HTTP request duration by route template",
    ["service", "method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
HTTP_ERRORS = Counter(
    "ladda_http_server_errors_total", "5xx responses by route", ["service", "route"]
)

_HEADER = CORRELATION_HEADER.lower().encode()
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
LOG_FIELDS = "ladda.log_fields"


def log_fields(scope: Scope) -> dict[str, Any]:
    """Extra fields for this request's access-log line (never a token or a query string)."""
    fields: dict[str, Any] = scope.setdefault(LOG_FIELDS, {})
    return fields


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = ""
        for name, value in scope["headers"]:
            if name == _HEADER:
                incoming = value.decode("latin-1")
                break
        cid = incoming if _VALID_ID.fullmatch(incoming) else new_correlation_id()
        token = correlation_id.set(cid)
        fields = log_fields(scope)
        started = time.perf_counter()
        status = 500

        started_response = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                status, started_response = message["status"], True
                message["headers"] = [*message.get("headers", []), (_HEADER, cid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Answered here, not by Starlette's outermost handler, so that the problem carries
            # the correlation id and nothing of the exception reaches the client.
            log.exception("http.unhandled_error", path=scope["path"])
            if started_response:
                raise
            await problem(500, "An unexpected error occurred; it has been logged.")(
                scope, receive, send_with_id
            )
        finally:
            elapsed = time.perf_counter() - started
            template = fields.pop("route", None)
            if template is None:
                route: Any = scope.get("route")
                template = getattr(route, "path", "unmatched")
            HTTP_DURATION.labels(self.service, scope["method"], template, str(status)).observe(
                elapsed
            )
            if status >= 500:
                HTTP_ERRORS.labels(self.service, template).inc()
            if scope["path"] not in _QUIET_PATHS:
                log.info(
                    "http.request",
                    method=scope["method"],
                    path=scope["path"],
                    status=status,
                    duration_ms=round(elapsed * 1000, 2),
                    route=template,
                    **fields,
                )
            correlation_id.reset(token)
