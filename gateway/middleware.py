"""Security headers on every answer of the gateway (pure ASGI). The correlation id, access log
and request metrics are the platform's `shared.http.RequestContextMiddleware`."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
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
        self._names = frozenset(name for name, _ in self._api)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self._docs if scope["path"] in DOCS_PATHS else self._api
        names = self._names

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # The gateway's values win over whatever an upstream may have set.
                headers = [h for h in message.get("headers", ()) if h[0].lower() not in names]
                headers.extend(extra)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
