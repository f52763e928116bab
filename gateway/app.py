"""Composition root of the gateway: `create_app()` for uvicorn (`--factory`).

Request path, outermost first: access log + correlation id -> security headers -> CORS ->
(FastAPI's error middleware) -> the proxy for every path in the routing table -> the gateway's
own routes (`/healthz`, `/readyz`, `/metrics` for admins, `/openapi.json`, `/docs`) and 404
problems, and last, when `web_dist_dir` is set, the web app (`gateway.webapp`). `/metrics` and
the detailed `/readyz` are also on the internal listener.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.middleware.cors import CORSMiddleware

from gateway.auth import Authenticator
from gateway.middleware import SecurityHeadersMiddleware
from gateway.openapi import OpenApiAggregator
from gateway.operations import internal_app, internal_listener, public_router
from gateway.proxy import PROXIED_METHODS, GatewayProxy, create_upstreams
from gateway.ratelimit import RateLimits
from gateway.routing import AccessPolicy, RoutingTable
from gateway.settings import GatewaySettings
from gateway.webapp import NONCE_KEY, ApiPaths, app_csp, install_web_app, new_nonce, wants_page
from shared.auth.jwt import JwksClient
from shared.auth.revocations import RevocationFeed, Revocations
from shared.http import RequestContextMiddleware
from shared.logging import CORRELATION_HEADER, configure_logging
from shared.problems import install_problem_handlers

CORS_HEADERS = [
    "Authorization",
    "Content-Type",
    "Accept",
    "Accept-Language",
    "Idempotency-Key",
    "If-Match",
    "If-None-Match",
    CORRELATION_HEADER,
    "traceparent",
    "tracestate",
]


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    table = RoutingTable(settings.routes)
    policy = AccessPolicy(settings.public_routes, settings.role_groups)
    unknown = {s for s in settings.routes.values() if not hasattr(settings, f"upstream_{s}")}
    if unknown:
        raise ValueError(f"routes name services without an upstream setting: {sorted(unknown)}")
    upstreams = create_upstreams(settings)
    revocations = RevocationFeed(
        Revocations(), bootstrap_servers=settings.kafka_bootstrap_servers, client_id="gateway"
    )
    authenticator = Authenticator(
        jwks=JwksClient(
            settings.jwks_url,
            min_refetch_interval=settings.jwks_min_refetch_interval_s,
            ttl=settings.jwks_ttl_s,
        ),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        cache_size=settings.token_cache_size,
        leeway_s=settings.jwt_leeway_s,
        revocations=revocations.revocations,
    )
    rate_limits = (
        RateLimits(
            per_user=settings.rate_limit_per_user,
            per_address=settings.rate_limit_per_address,
            storage_uri=settings.rate_limit_storage_uri,
        )
        if settings.rate_limit_enabled
        else None
    )
    openapi = OpenApiAggregator(settings, table=table, policy=policy)
    # Upstream outages are answered per request (503), not by taking the whole gateway out of
    # the load balancer. But a gateway is ready only once it follows identity's revocations
    # and its OpenAPI document holds every upstream (a client reading it right after ready
    # must see the whole API); once complete, the last good documents are kept.
    readiness_checks = {"revocations": revocations.ready, "openapi": openapi.complete}

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging("gateway", level=settings.log_level, fmt=settings.log_format)
        # The first merge happens in the background: the gateway serves at once, and a service
        # that is not up yet is simply missing from the document until it answers.
        for upstream in upstreams.values():
            upstream.open()
        background = [
            asyncio.create_task(openapi.refresh()),
            asyncio.create_task(revocations.run()),
        ]
        try:
            async with internal_listener(
                internal_app(readiness_checks), settings.internal_host, settings.internal_port
            ):
                yield
        finally:
            for task in background:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            for upstream in upstreams.values():
                await upstream.close()
            await authenticator.aclose()
            await openapi.aclose()

    app = FastAPI(
        title="Ladda API",
        version="1.0.0",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.readiness_checks = readiness_checks
    app.state.settings = settings
    app.state.openapi = openapi
    app.state.authenticator = authenticator
    install_problem_handlers(app)
    app.include_router(public_router())

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi_document() -> JSONResponse:
        document: dict[str, Any] = await openapi.document()
        return JSONResponse(document)

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Ladda API",
            swagger_ui_parameters={"persistAuthorization": True},
        )

    api_paths = ApiPaths(settings.routes)
    if settings.web_dist_dir:
        # Last: its page route answers every path no other route took.
        install_web_app(
            app,
            Path(settings.web_dist_dir),
            api_paths=api_paths,
            tiles_url=settings.web_map_tiles_url,
            tiles_attribution=settings.web_map_attribution,
            stripe_publishable_key=settings.web_stripe_publishable_key,
            stripe_js_url=settings.web_stripe_js_url,
        )

    # add_middleware wraps: the last added is the outermost.
    app.add_middleware(
        GatewayProxy,
        settings=settings,
        table=table,
        policy=policy,
        authenticator=authenticator,
        rate_limits=rate_limits,
        upstreams=upstreams,
        page_request=wants_page if settings.web_dist_dir else None,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=sorted(PROXIED_METHODS),
            allow_headers=CORS_HEADERS,
            expose_headers=[CORRELATION_HEADER, "Retry-After", "Location"],
            allow_credentials=False,
            max_age=settings.cors_max_age_s,
        )
    app.add_middleware(
        SecurityHeadersMiddleware,
        hsts=settings.behind_tls,
        web_csp=partial(
            app_csp,
            tiles_url=settings.web_map_tiles_url,
            stripe_js_url=settings.web_stripe_js_url,
            stripe_api_url=settings.web_stripe_api_url,
        )
        if settings.web_dist_dir
        else None,
        api_paths=api_paths,
        page_request=wants_page,
        nonce_key=NONCE_KEY,
        new_nonce=new_nonce,
    )
    app.add_middleware(RequestContextMiddleware, service="gateway")
    return app
