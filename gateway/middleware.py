"""Pure ASGI middleware of the gateway: correlation id + access log + request metrics, and
security headers. (Pure ASGI rather than `BaseHTTPMiddleware`: no extra task or body copy per
request, and streaming bodies pass straight through.)"""

from __future__ import annotations

import time
from collections.abc import Callable, Container
from dataclasses import dataclass
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http import HTTP_DURATION, HTTP_ERRORS
from shared.logging import CORRELATION_HEADER, correlation_id, new_correlation_id

log = structlog.get_logger("http.access")

_CID_HEADER = CORRELATION_HEADER.lower().encode()
_QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
_ID_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")

SCOPE_KEY = "ladda.gateway"


@dataclass(slots=True)
class RequestInfo:
    """What the proxy learnt about a request, for the access log and metrics."""

    route: str | None = None
    upstream: str | None = None
    subject: str | None = None
    client: str | None = None


def _valid_id(value: bytes) -> bool:
    return 0 < len(value) <= 64 and all(byte in _ID_CHARS for byte in value)


class AccessLogMiddleware:
    """Adopts or creates the correlation id, returns it, and logs one line per request.

    The line carries method, path (never the query string, which may hold secrets), status,
    duration, route group, upstream, the caller's subject and address — never a token.
    """

    def __init__(self, app: ASGIApp, *, service: str = "gateway") -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = b""
        for name, value in scope["headers"]:
            if name == _CID_HEADER:
                incoming = value
                break
        cid = incoming.decode("ascii") if _valid_id(incoming) else new_correlation_id()
        reset_token = correlation_id.set(cid)
        info = RequestInfo()
        scope[SCOPE_KEY] = info
        cid_header = (_CID_HEADER, cid.encode("ascii"))
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), cid_header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = info.route
            if route is None:
                matched: Any = scope.get("route")
                route = getattr(matched, "path", "unmatched")
            HTTP_DURATION.labels(self.service, scope["method"], route, str(status)).observe(elapsed)
            if status >= 500:
                HTTP_ERRORS.labels(self.service, route).inc()
            path = scope["path"]
            if path not in _QUIET_PATHS:
                log.info(
                    "http.request",
                    method=scope["method"],
                    path=path,
                    status=status,
                    duration_ms=round(elapsed * 1000, 2),
                    route=route,
                    upstream=info.upstream,
                    subject=info.subject,
                    client=info.client,
                )
            correlation_id.reset(reset_token)


# A strict policy for API responses (JSON is never a document to render) and a looser one for
# Swagger UI, whose page loads its script and styles from the jsDelivr CDN and runs an inline
# bootstrap script.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect"})


class SecurityHeadersMiddleware:
    """Security headers on every answer. With the web app served (`web_csp`), a path that is
    not the API's (`api_paths`) gets the app's policy with a fresh nonce, left in the scope
    under `nonce_key` for the page to carry."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        hsts: bool,
        web_csp: Callable[[str], str] | None = None,
        api_paths: Container[str] = (),
        nonce_key: str = "",
        new_nonce: Callable[[], str] | None = None,
    ) -> None:
        self.app = app
        self._web_csp = web_csp
        self._api_paths = api_paths
        self._nonce_key = nonce_key
        self._new_nonce = new_nonce
        common = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if hsts:
            common.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))
        self._api = [*common, (b"content-security-policy", API_CSP.encode())]
        self._docs = [*common, (b"content-security-policy", DOCS_CSP.encode())]
        self._common = common
        self._names = frozenset(name for name, _ in self._api)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path in DOCS_PATHS:
            extra = self._docs
        elif self._web_csp is not None and self._new_nonce and path not in self._api_paths:
            nonce = self._new_nonce()
            scope[self._nonce_key] = nonce
            csp = self._web_csp(nonce).encode()
            extra = [*self._common, (b"content-security-policy", csp)]
        else:
            extra = self._api
        names = self._names

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # The gateway's values win over whatever an upstream may have set.
                headers = [h for h in message.get("headers", ()) if h[0].lower() not in names]
                headers.extend(extra)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
