"""Security headers on every answer of the gateway (pure ASGI). The correlation id, access log
and request metrics are the platform's `shared.http.RequestContextMiddleware`."""

from __future__ import annotations

from collections.abc import Callable, Container

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
        page_request: Callable[[Scope], bool] | None = None,
        nonce_key: str = "",
        new_nonce: Callable[[], str] | None = None,
    ) -> None:
        self.app = app
        self._web_csp = web_csp
        self._api_paths = api_paths
        self._page_request = page_request
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
        elif (
            self._web_csp is not None
            and self._new_nonce
            and (
                path not in self._api_paths
                or (self._page_request is not None and self._page_request(scope))
            )
        ):
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
