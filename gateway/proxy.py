"""The hot path: check a request against the policy and forward it to the owning service.

Pure ASGI in front of the gateway's own FastAPI routes: a path the routing table knows is
handled here (address limit, token, role group, user limit, body size, forward, stream back);
anything else falls through to FastAPI (`/healthz`, `/docs`, `/openapi.json`, 404s).

Both bodies are streamed: the request body goes upstream chunk by chunk while its size is
counted (so a body without Content-Length cannot exceed the limit either), and the response
is relayed as the upstream sends it. One pooled HTTP/1.1 client session per upstream.

The upstream client is aiohttp's (its HTTP parser is compiled): with httpx's pure-Python
transport the client alone cost ~0.6 ms of CPU per proxied request on this machine, more than
the rest of the gateway together (see README, "Measured").
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import aiohttp
import structlog
from multidict import CIMultiDict
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway import metrics
from gateway.auth import Authenticator
from gateway.ratelimit import RateLimits
from gateway.routing import AccessPolicy, Route, RouteTimeouts, RoutingTable
from gateway.settings import GatewaySettings
from shared.http import log_fields
from shared.logging import CORRELATION_HEADER, current_correlation_id
from shared.problems import Unauthenticated, problem

log = structlog.get_logger(__name__)

PROXIED_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"})
_ALLOW = ", ".join(sorted(PROXIED_METHODS))

# RFC 9110 §7.6.1 connection-specific headers, never forwarded; plus the ones the gateway
# sets itself (host, correlation id, trace context, forwarding headers).
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
_SET_BY_GATEWAY = frozenset(
    {
        b"host",
        CORRELATION_HEADER.lower().encode(),
        b"traceparent",
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-forwarded-host",
    }
)
REQUEST_SKIPPED = HOP_BY_HOP | _SET_BY_GATEWAY
# The gateway's own server sets these on the way out.
RESPONSE_SKIPPED = HOP_BY_HOP | {b"date", b"server"}

_CID_HEADER = CORRELATION_HEADER.lower().encode()


class BodyTooLarge(Exception):
    pass


class ClientGone(Exception):
    pass


@dataclass(slots=True)
class Upstream:
    name: str
    base_url: str
    timeout: aiohttp.ClientTimeout
    max_connections: int
    keepalive_s: float
    session: aiohttp.ClientSession | None = None

    def open(self) -> None:
        """Create the pooled session; inside the running event loop (the gateway's lifespan)."""
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=self.max_connections, keepalive_timeout=self.keepalive_s
            ),
            timeout=self.timeout,
            # A proxy adds nothing of its own: no default headers, no decompression, no cookies.
            auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
        )

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()


def create_upstreams(settings: GatewaySettings) -> dict[str, Upstream]:
    return {
        name: Upstream(
            name=name,
            base_url=settings.upstream(name),
            timeout=aiohttp.ClientTimeout(
                total=None,
                # Waiting for a pooled connection counts as connecting: both mean "down".
                connect=settings.upstream_connect_timeout_s,
                sock_read=settings.timeout_for(name),
            ),
            max_connections=settings.upstream_max_connections,
            keepalive_s=15.0,
        )
        for name in settings.services()
    }


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """aiohttp wraps what the request-body generator raised; look through the chain."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _traceparent(incoming: bytes | None) -> bytes:
    """W3C trace context: keep the caller's trace id (and flags), with the gateway as parent."""
    span = os.urandom(8).hex().encode()
    if incoming is not None and len(incoming) == 55 and incoming[:3] == b"00-":
        trace_id, flags = incoming[3:35], incoming[53:55]
        if trace_id != b"0" * 32:
            return b"00-" + trace_id + b"-" + span + b"-" + flags
    return b"00-" + os.urandom(16).hex().encode() + b"-" + span + b"-01"


def _has_dot_segment(path: str) -> bool:
    return any(segment in (".", "..") for segment in path.split("/"))


async def _request_body(receive: Receive, limit: int) -> AsyncIterator[bytes]:
    received = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        body: bytes = message.get("body", b"")
        if body:
            received += len(body)
            if received > limit:
                raise BodyTooLarge
            yield body
        if not message.get("more_body", False):
            return


class GatewayProxy:
    """ASGI middleware: proxies the routing table's paths, passes everything else on."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        settings: GatewaySettings,
        table: RoutingTable,
        policy: AccessPolicy,
        authenticator: Authenticator,
        rate_limits: RateLimits | None,
        upstreams: dict[str, Upstream],
        page_request: Callable[[Scope], bool] | None = None,
    ) -> None:
        self.app = app
        # A browser opening a page-able API address gets the web app's page instead.
        self.page_request = page_request
        self.table = table
        self.policy = policy
        self.authenticator = authenticator
        self.rate_limits = rate_limits
        self.upstreams = upstreams
        self.route_timeouts = RouteTimeouts(settings.route_timeouts)
        self.connect_timeout = settings.upstream_connect_timeout_s
        self.max_body = settings.max_body_bytes
        self.proxy_hops = settings.trusted_proxy_hops
        self.forwarded_proto = b"https" if settings.behind_tls else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            route = self.table.match(scope["path"])
            if route is not None and not (self.page_request and self.page_request(scope)):
                await self.forward(route, scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _reject(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        route: Route,
        reason: str,
        status: int,
        detail: str,
        headers: dict[str, str] | None = None,
        slug: str | None = None,
    ) -> None:
        metrics.rejected(route.prefix, reason)
        await problem(status, detail, slug=slug, headers=headers)(scope, receive, send)

    async def forward(self, route: Route, scope: Scope, receive: Receive, send: Send) -> None:
        # For the access-log line and the metrics' route label: never the raw path.
        info = log_fields(scope)
        info["route"] = route.prefix
        info["upstream"] = route.service
        method: str = scope["method"]
        if method not in PROXIED_METHODS:
            await self._reject(
                scope,
                receive,
                send,
                route,
                "method",
                405,
                "Method not allowed here.",
                headers={"Allow": _ALLOW},
            )
            return
        path: str = scope["path"]
        if "/." in path and _has_dot_segment(path):
            # `/v1/stats/me/../network` would be matched against one route group here and
            # mean another one upstream: refuse rather than guess how the service resolves it.
            await self._reject(
                scope, receive, send, route, "bad-request", 400, "Dot segments are not allowed."
            )
            return

        # One pass over the headers: what is forwarded, and what the gateway needs to know.
        outgoing: list[tuple[bytes, bytes]] = []
        authorization: bytes | None = None
        content_length: bytes | None = None
        chunked = False
        forwarded_for: bytes | None = None
        traceparent: bytes | None = None
        host: bytes | None = None
        connection: bytes | None = None
        for name, value in scope["headers"]:
            if name in REQUEST_SKIPPED:
                if name == b"transfer-encoding":
                    chunked = True
                elif name == b"x-forwarded-for":
                    forwarded_for = value if forwarded_for is None else forwarded_for + b"," + value
                elif name == b"traceparent":
                    traceparent = value
                elif name == b"host":
                    host = value
                elif name == b"connection":
                    connection = value
                continue
            if name == b"authorization":
                authorization = value
            elif name == b"content-length":
                content_length = value
            outgoing.append((name, value))
        if connection is not None:
            # Headers the client named in Connection are hop-by-hop too (RFC 9110 §7.6.1).
            named = {token.strip().lower() for token in connection.split(b",")}
            outgoing = [(n, v) for n, v in outgoing if n not in named]

        peer = scope.get("client")
        address = peer[0] if peer else "unknown"
        # Forwarded downstream so that its last entry is the caller's address as the gateway
        # resolved it: services that read X-Forwarded-For take the last entry and need no
        # knowledge of the proxies in front of the gateway.
        chain: str
        if self.proxy_hops and forwarded_for:
            hops = [hop.strip() for hop in forwarded_for.decode("latin-1").split(",")]
            kept = max(1, len(hops) - self.proxy_hops + 1)
            address = hops[kept - 1]
            chain = ", ".join(hops[:kept])
        elif forwarded_for:
            chain = forwarded_for.decode("latin-1") + ", " + address
        else:
            chain = address
        info["client"] = address

        limiter = self.rate_limits
        if limiter is not None:
            wait = await limiter.address(address)
            if wait is not None:
                await self._reject(
                    scope,
                    receive,
                    send,
                    route,
                    "rate-limited-address",
                    429,
                    "Too many requests from this address; slow down.",
                    headers={"Retry-After": str(wait)},
                    slug="rate-limited",
                )
                return

        if not self.policy.is_public(method, path):
            try:
                principal = await self.authenticator.principal(authorization)
            except Unauthenticated as exc:
                await self._reject(
                    scope,
                    receive,
                    send,
                    route,
                    "unauthenticated",
                    401,
                    exc.detail,
                    headers=exc.headers,
                    slug=exc.slug,
                )
                return
            info["subject"] = principal.subject
            roles = self.policy.roles_for(path)
            if roles is not None and not principal.has_any(roles):
                await self._reject(
                    scope,
                    receive,
                    send,
                    route,
                    "forbidden",
                    403,
                    "This area needs one of the roles: " + ", ".join(sorted(roles)) + ".",
                    slug="forbidden",
                )
                return
            if limiter is not None:
                wait = await limiter.user(principal.subject)
                if wait is not None:
                    await self._reject(
                        scope,
                        receive,
                        send,
                        route,
                        "rate-limited-user",
                        429,
                        "Too many requests for this account; slow down.",
                        headers={"Retry-After": str(wait)},
                        slug="rate-limited",
                    )
                    return

        content: AsyncIterator[bytes] | None = None
        if content_length is not None and chunked:
            # Both framings at once is how requests are smuggled past proxies (RFC 9112 §6.3).
            await self._reject(
                scope,
                receive,
                send,
                route,
                "bad-request",
                400,
                "Content-Length and Transfer-Encoding together are not allowed.",
            )
            return
        if content_length is not None:
            try:
                declared = int(content_length)
            except ValueError:
                await self._reject(
                    scope, receive, send, route, "bad-request", 400, "Invalid Content-Length."
                )
                return
            if declared > self.max_body:
                await self._reject(
                    scope,
                    receive,
                    send,
                    route,
                    "too-large",
                    413,
                    f"The request body is larger than {self.max_body} bytes.",
                    slug="body-too-large",
                )
                return
            if declared > 0:
                content = _request_body(receive, self.max_body)
        elif chunked:
            # No Content-Length: the upstream request is sent chunked as well.
            content = _request_body(receive, self.max_body)

        outgoing.append((_CID_HEADER, current_correlation_id().encode("ascii")))
        outgoing.append((b"traceparent", _traceparent(traceparent)))
        outgoing.append((b"x-forwarded-for", chain.encode("latin-1")))
        outgoing.append((b"x-forwarded-proto", self.forwarded_proto or scope["scheme"].encode()))
        if host is not None:
            outgoing.append((b"x-forwarded-host", host))

        upstream = self.upstreams[route.service]
        raw_path: bytes = scope.get("raw_path") or path.encode()
        query: bytes = scope["query_string"]
        target = upstream.base_url + raw_path.decode("latin-1")
        if query:
            target += "?" + query.decode("latin-1")
        timeout = None
        seconds = self.route_timeouts.for_request(method, path)
        if seconds is not None:
            timeout = aiohttp.ClientTimeout(
                total=None, connect=self.connect_timeout, sock_read=seconds
            )
        await self._exchange(
            upstream, route, method, target, outgoing, content, scope, send, timeout
        )

    async def _exchange(
        self,
        upstream: Upstream,
        route: Route,
        method: str,
        target: str,
        headers: list[tuple[bytes, bytes]],
        content: AsyncIterator[bytes] | None,
        scope: Scope,
        send: Send,
        timeout: aiohttp.ClientTimeout | None = None,
    ) -> None:
        session = upstream.session
        assert session is not None, "upstreams are opened in the gateway's lifespan"
        outgoing = CIMultiDict(
            (name.decode("latin-1"), value.decode("latin-1")) for name, value in headers
        )
        timer = metrics.upstream_duration(upstream.name, route.prefix)
        started = time.perf_counter()
        try:
            response = await session.request(
                method,
                target,
                headers=outgoing,
                data=content,
                allow_redirects=False,
                timeout=timeout or upstream.timeout,
            )
        except aiohttp.ClientError as exc:
            if _caused_by(exc, BodyTooLarge):
                metrics.rejected(route.prefix, "too-large")
                await _send_problem(
                    send,
                    413,
                    f"The request body is larger than {self.max_body} bytes.",
                    "body-too-large",
                )
            elif _caused_by(exc, ClientGone):
                return
            elif isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
                await self._upstream_failed(send, upstream, route, "down", exc)
            elif isinstance(exc, aiohttp.ServerTimeoutError):
                await self._upstream_failed(send, upstream, route, "timeout", exc)
            else:
                await self._upstream_failed(send, upstream, route, "broken", exc)
            return
        except TimeoutError as exc:
            await self._upstream_failed(send, upstream, route, "timeout", exc)
            return
        timer.observe(time.perf_counter() - started)
        status = response.status
        metrics.upstream_requests(upstream.name, route.prefix, method, str(status)).inc()
        out = [
            (name.lower(), value)
            for name, value in response.raw_headers
            if name.lower() not in RESPONSE_SKIPPED
        ]
        try:
            await send({"type": "http.response.start", "status": status, "headers": out})
            async for chunk in response.content.iter_any():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except (TimeoutError, aiohttp.ClientError) as exc:
            # Headers are out: the only honest signal left is to cut the connection short.
            metrics.upstream_error(upstream.name, route.prefix, "broken-midstream")
            log.warning("gateway.upstream_broke_midstream", upstream=upstream.name, error=repr(exc))
        finally:
            response.release()

    async def _upstream_failed(
        self, send: Send, upstream: Upstream, route: Route, kind: str, exc: Exception
    ) -> None:
        metrics.upstream_error(upstream.name, route.prefix, kind)
        log.warning(
            "gateway.upstream_failed",
            upstream=upstream.name,
            route=route.prefix,
            kind=kind,
            error=type(exc).__name__,
        )
        if kind == "down":
            await _send_problem(
                send,
                503,
                "The service is unavailable; try again shortly.",
                "upstream-unavailable",
                headers={"Retry-After": "1"},
            )
        elif kind == "timeout":
            await _send_problem(
                send, 504, "The service did not answer in time.", "upstream-timeout"
            )
        else:
            await _send_problem(
                send, 502, "The service answered with a broken response.", "upstream-broken"
            )


async def _send_problem(
    send: Send, status: int, detail: str, slug: str, headers: dict[str, str] | None = None
) -> None:
    response = problem(status, detail, slug=slug, headers=headers)
    await send({"type": "http.response.start", "status": status, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body, "more_body": False})
