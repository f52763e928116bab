"""The gateway in front of real upstreams: tokens, roles, limits, failures, headers, streaming.

Real HTTP servers on loopback: the booking and operations services (each with a fresh database),
a JWKS server holding a real ES256 key, and a small upstream under the test's control in the
support slot (it can echo, be slow, or stream). The payment slot points at a closed port.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import structlog
from fastapi import FastAPI

from gateway.settings import DEFAULT_PUBLIC_ROUTES
from tests.gateway.conftest import Stack, assert_problem
from tests.helpers.stack import free_port, serve
from tests.helpers.tokens import SigningKey, bearer, unsigned_token

# -- authentication ------------------------------------------------------------------------------


async def test_authenticated_call_is_forwarded_with_token_request_id_and_trace_context(
    stack: Stack, gw: httpx.AsyncClient
) -> None:
    token = stack.key.token()
    trace_id = uuid.uuid4().hex
    response = await gw.get(
        "/v1/support/echo?page=2&q=x",
        headers={
            **bearer(token),
            "X-Correlation-ID": "req-42",
            "traceparent": f"00-{trace_id}-{'1' * 16}-01",
        },
    )
    assert response.status_code == 200
    seen = response.json()
    assert seen["path"] == "/v1/support/echo"
    assert seen["query"] == "page=2&q=x"
    assert seen["headers"]["authorization"] == f"Bearer {token}"
    assert seen["headers"]["x-correlation-id"] == "req-42"
    assert response.headers["x-correlation-id"] == "req-42"
    version, trace, parent, flags = seen["headers"]["traceparent"].split("-")
    assert (version, trace, flags) == ("00", trace_id, "01")
    assert parent != "1" * 16  # the gateway is the new parent span
    assert seen["headers"]["x-forwarded-for"] == "127.0.0.1"


async def test_hop_by_hop_headers_are_not_forwarded(stack: Stack, gw: httpx.AsyncClient) -> None:
    response = await gw.get(
        "/v1/support/echo",
        headers={
            **bearer(stack.key.token()),
            "Connection": "keep-alive, X-Private-Hop",
            "X-Private-Hop": "secret",
            "Proxy-Authorization": "Basic abc",
            "TE": "trailers",
        },
    )
    headers = response.json()["headers"]
    assert "x-private-hop" not in headers
    assert "proxy-authorization" not in headers
    assert "te" not in headers
    assert headers.get("connection", "keep-alive") == "keep-alive"


async def test_unauthenticated_call_is_refused_before_the_upstream(gw: httpx.AsyncClient) -> None:
    body = assert_problem(await gw.get("/v1/support/echo"), 401)
    assert body["type"].endswith("/unauthenticated")
    response = await gw.get("/v1/reservations", headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


async def test_public_routes_need_no_token(stack: Stack) -> None:
    async with stack.gateway(
        public_routes=[*DEFAULT_PUBLIC_ROUTES, "GET /v1/support/echo"]
    ) as client:
        response = await client.get("/v1/support/echo")
        assert response.status_code == 200
        assert "authorization" not in response.json()["headers"]
        # The public charger map is let through without a token: the answer comes from its
        # upstream (down in this test: 503), not from the gateway's token check (401).
        assert_problem(await client.get("/v1/locations"), 503)
        assert_problem(await client.get("/v1/locations/some-site"), 503)
        # The allow-list is per method: writing to the map is not public.
        assert_problem(await client.post("/v1/locations", json={}), 401)


async def test_expired_token_is_refused(stack: Stack, gw: httpx.AsyncClient) -> None:
    token = stack.key.token(ttl_s=-30)
    body = assert_problem(await gw.get("/v1/support/echo", headers=bearer(token)), 401)
    assert "expired" in body["detail"]


async def test_forged_tokens_are_refused(stack: Stack, gw: httpx.AsyncClient) -> None:
    # Signed by another key that claims the real key's id.
    impostor = SigningKey(kid=stack.key.kid)
    assert_problem(await gw.get("/v1/support/echo", headers=bearer(impostor.token())), 401)
    # alg: none.
    assert_problem(await gw.get("/v1/support/echo", headers=bearer(unsigned_token())), 401)
    # The real key, but for another audience or issuer.
    for token in (
        stack.key.token(aud="someone-else"),
        stack.key.token(iss="https://evil.example"),
    ):
        assert_problem(await gw.get("/v1/support/echo", headers=bearer(token)), 401)
    # A real token with one character of its signature changed.
    token = stack.key.token()
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert_problem(await gw.get("/v1/support/echo", headers=bearer(tampered)), 401)
    assert_problem(await gw.get("/v1/support/echo", headers=bearer("not.a.jwt")), 401)


async def test_a_flood_of_unknown_key_ids_does_not_hammer_the_jwks(stack: Stack) -> None:
    async with stack.gateway(jwks_min_refetch_interval_s=60) as client:
        response = await client.get("/v1/support/echo", headers=bearer(stack.key.token()))
        assert response.status_code == 200
        fetches = stack.jwks.fetches
        for _ in range(30):
            stranger = SigningKey()
            assert_problem(
                await client.get("/v1/support/echo", headers=bearer(stranger.token())), 401
            )
        assert stack.jwks.fetches - fetches <= 1


async def test_a_new_signing_key_is_picked_up_from_the_jwks(stack: Stack) -> None:
    async with stack.gateway(jwks_min_refetch_interval_s=0) as client:
        assert (
            await client.get("/v1/support/echo", headers=bearer(stack.key.token()))
        ).status_code == 200
        rotated = SigningKey()
        stack.jwks.keys.append(rotated)
        try:
            response = await client.get("/v1/support/echo", headers=bearer(rotated.token()))
            assert response.status_code == 200
        finally:
            stack.jwks.keys.remove(rotated)


# -- authorisation -------------------------------------------------------------------------------


async def test_role_gated_route_groups(stack: Stack, gw: httpx.AsyncClient) -> None:
    driver = stack.key.token(roles=["driver"])
    operator = stack.key.token(roles=["operator"])
    body = assert_problem(await gw.get("/v1/alerts", headers=bearer(driver)), 403)
    assert "operator" in body["detail"]
    assert_problem(await gw.get("/v1/work-orders/123", headers=bearer(driver)), 403)
    assert_problem(await gw.get("/v1/stats/network", headers=bearer(driver)), 403)
    # The operator passes the gateway; the real operations service answers (whatever it says,
    # it is not the gateway's 403 and it carries the service's own correlation handling).
    response = await gw.get("/v1/alerts", headers=bearer(operator))
    assert response.status_code != 403
    assert response.status_code < 500
    # The driver's own statistics are not in a staff group.
    assert (await gw.get("/v1/stats/me", headers=bearer(driver))).status_code == 503


async def test_real_service_receives_the_call_and_checks_the_token_itself(
    stack: Stack, gw: httpx.AsyncClient
) -> None:
    token = stack.key.token(roles=["driver"])
    through_gateway = await gw.get("/v1/reservations", headers=bearer(token))
    async with httpx.AsyncClient(base_url=stack.booking_url) as direct:
        straight = await direct.get("/v1/reservations", headers=bearer(token))
    # The same answer through the gateway as straight from booking.
    assert through_gateway.status_code == straight.status_code
    assert through_gateway.status_code < 500
    assert through_gateway.headers["content-type"] == straight.headers["content-type"]
    metrics = (await gw.get("/metrics", headers=stack.admin)).text
    assert 'ladda_gateway_upstream_requests_total{method="GET",route="/v1/reservations"' in metrics


# -- upstream failures ---------------------------------------------------------------------------


async def test_upstream_down_answers_503_problem(stack: Stack, gw: httpx.AsyncClient) -> None:
    response = await gw.get("/v1/invoices", headers=bearer(stack.key.token()))
    body = assert_problem(response, 503)
    assert body["type"].endswith("/upstream-unavailable")
    assert response.headers["retry-after"] == "1"
    metrics = (await gw.get("/metrics", headers=stack.admin)).text
    assert (
        'ladda_gateway_upstream_errors_total{kind="down",route="/v1/invoices",upstream="payment"}'
        in metrics
    )


async def test_slow_upstream_answers_504_problem(stack: Stack, gw: httpx.AsyncClient) -> None:
    response = await gw.get("/v1/support/slow?seconds=2", headers=bearer(stack.key.token()))
    body = assert_problem(response, 504)
    assert body["type"].endswith("/upstream-timeout")
    # Within the per-upstream timeout the same route answers normally.
    response = await gw.get("/v1/support/slow?seconds=0.05", headers=bearer(stack.key.token()))
    assert response.status_code == 200


# -- limits --------------------------------------------------------------------------------------


async def test_rate_limit_per_user(stack: Stack) -> None:
    async with stack.gateway(rate_limit_per_user="3/minute") as client:
        alice = bearer(stack.key.token("alice"))
        for _ in range(3):
            assert (await client.get("/v1/support/echo", headers=alice)).status_code == 200
        response = await client.get("/v1/support/echo", headers=alice)
        body = assert_problem(response, 429)
        assert body["type"].endswith("/rate-limited")
        assert 1 <= int(response.headers["retry-after"]) <= 60
        # Another user from the same address is not affected.
        bob = bearer(stack.key.token("bob"))
        assert (await client.get("/v1/support/echo", headers=bob)).status_code == 200


async def test_rate_limit_per_address_applies_before_the_token_is_checked(stack: Stack) -> None:
    async with stack.gateway(rate_limit_per_address="5/minute") as client:
        for _ in range(5):
            assert_problem(await client.get("/v1/support/echo", headers=bearer("x.y.z")), 401)
        response = await client.get("/v1/support/echo", headers=bearer(stack.key.token()))
        assert_problem(response, 429)
        assert int(response.headers["retry-after"]) >= 1
        # The gateway's own health endpoints are not limited.
        assert (await client.get("/healthz")).status_code == 200


async def test_oversized_body_is_refused_with_413(stack: Stack, gw: httpx.AsyncClient) -> None:
    async with stack.gateway(max_body_bytes=1024) as client:
        headers = bearer(stack.key.token())
        ok = await client.post("/v1/support/echo", headers=headers, content=b"x" * 1024)
        assert ok.json()["body_bytes"] == 1024
        # Declared too large: refused before anything is read.
        body = assert_problem(
            await client.post("/v1/support/echo", headers=headers, content=b"x" * 1025), 413
        )
        assert body["type"].endswith("/body-too-large")

        # No Content-Length (chunked): counted while streaming, refused when it passes the limit.
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(8):
                yield b"y" * 256

        assert_problem(
            await client.post("/v1/support/echo", headers=headers, content=chunks()), 413
        )

        async def small() -> AsyncIterator[bytes]:
            for _ in range(3):
                yield b"z" * 100

        response = await client.post("/v1/support/echo", headers=headers, content=small())
        assert response.status_code == 200
        assert response.json()["body_bytes"] == 300


async def test_large_responses_are_streamed_intact(stack: Stack, gw: httpx.AsyncClient) -> None:
    response = await gw.get("/v1/support/stream?chunks=256", headers=bearer(stack.key.token()))
    assert response.status_code == 200
    assert len(response.content) == 256 * 8 * 1024
    assert response.content[-8192:] == b"00000255" * 1024


# -- browsers ------------------------------------------------------------------------------------


async def test_cors_preflight_for_app_origins_only(gw: httpx.AsyncClient) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    allowed = await gw.options(
        "/v1/reservations", headers={"Origin": "https://app.ladda.example", **preflight}
    )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.ladda.example"
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    refused = await gw.options(
        "/v1/reservations", headers={"Origin": "https://evil.example", **preflight}
    )
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers


async def test_security_headers(stack: Stack, gw: httpx.AsyncClient) -> None:
    for response in (
        await gw.get("/v1/support/echo", headers=bearer(stack.key.token())),
        await gw.get("/v1/support/echo"),
        await gw.get("/healthz"),
        await gw.get("/nothing-here"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["content-security-policy"].startswith("default-src 'none'")
        assert "strict-transport-security" not in response.headers
    docs = await gw.get("/docs")
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text
    assert "https://cdn.jsdelivr.net" in docs.headers["content-security-policy"]
    async with stack.gateway(behind_tls=True) as client:
        response = await client.get("/healthz")
        assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_unknown_path_and_method_are_problems(stack: Stack, gw: httpx.AsyncClient) -> None:
    assert_problem(await gw.get("/v2/anything"), 404)
    assert_problem(await gw.request("TRACE", "/v1/support/echo"), 405)


# -- observability -------------------------------------------------------------------------------


async def test_access_log_has_the_caller_but_never_the_token_or_query(
    stack: Stack, gw: httpx.AsyncClient
) -> None:
    token = stack.key.token("carol")
    with structlog.testing.capture_logs() as logs:
        await gw.get("/v1/support/echo?api_key=hunter2", headers=bearer(token))
    lines = [line for line in logs if line.get("event") == "http.request"]
    assert lines, logs
    line = lines[-1]
    assert line["subject"] == "carol"
    assert line["route"] == "/v1/support"
    assert line["upstream"] == "support"
    assert line["status"] == 200
    text = repr(logs)
    assert token not in text
    assert "hunter2" not in text


async def test_metrics_per_route_group_and_upstream(stack: Stack) -> None:
    internal = free_port()
    async with stack.gateway(internal_port=internal) as gw:
        await gw.get("/v1/support/echo", headers=bearer(stack.key.token()))
        await gw.get("/v1/support/echo")
        async with httpx.AsyncClient() as client:
            text = (await client.get(f"http://127.0.0.1:{internal}/metrics")).text
    assert (
        'ladda_gateway_upstream_requests_total{method="GET",route="/v1/support",status="200",upstream="support"}'
        in text
    )
    assert (
        'ladda_gateway_upstream_duration_seconds_count{route="/v1/support",upstream="support"}'
        in text
    )
    assert 'ladda_gateway_rejections_total{reason="unauthenticated",route="/v1/support"}' in text


async def test_client_address_behind_a_trusted_proxy(stack: Stack) -> None:
    async with stack.gateway(trusted_proxy_hops=1, rate_limit_per_address="2/minute") as client:
        token = bearer(stack.key.token())
        # The proxy in front appended the caller's address; the caller forged the first entry.
        first = {**token, "X-Forwarded-For": "10.9.9.9, 203.0.113.9"}
        response = await client.get("/v1/support/echo", headers=first)
        # Services see the resolved caller last, whatever proxies stood in front of the gateway.
        assert response.json()["headers"]["x-forwarded-for"] == "10.9.9.9, 203.0.113.9"
        assert (await client.get("/v1/support/echo", headers=first)).status_code == 200
        assert_problem(await client.get("/v1/support/echo", headers=first), 429)
        # Another caller behind the same proxy has its own allowance.
        other = {**token, "X-Forwarded-For": "10.9.9.9, 198.51.100.7"}
        assert (await client.get("/v1/support/echo", headers=other)).status_code == 200
    async with stack.gateway() as client:
        # Trusting no proxy: the peer's address is what services see last.
        response = await client.get("/v1/support/echo", headers=bearer(stack.key.token()))
        assert response.json()["headers"]["x-forwarded-for"] == "127.0.0.1"


async def test_merged_openapi_tolerates_a_missing_upstream_until_it_answers(stack: Stack) -> None:
    late_port = free_port()
    async with stack.gateway(upstream_payment=f"http://127.0.0.1:{late_port}") as client:
        document = (await client.get("/openapi.json")).json()
        # The support slot (the test's upstream) is there; payment is down and named as missing.
        assert "/v1/support/echo" in document["paths"]
        assert "/v1/invoices" not in document["paths"]
        assert "payment" in document["info"]["description"]

        late = FastAPI()

        @late.get("/v1/invoices")
        async def invoices() -> list[str]:
            return []

        async with serve(late, port=late_port):
            deadline = asyncio.get_running_loop().time() + 10
            while "/v1/invoices" not in (await client.get("/openapi.json")).json()["paths"]:
                assert asyncio.get_running_loop().time() < deadline, "payment never merged"
                await asyncio.sleep(0.2)
        document = (await client.get("/openapi.json")).json()
        # Once fetched, its last good document is kept through a later outage.
        assert "/v1/invoices" in document["paths"]
        assert document["paths"]["/v1/invoices"]["get"]["security"] == [{"bearerAuth": []}]


async def _raw(base_url: str, request: bytes) -> tuple[int, bytes]:
    """Send bytes as they are (an HTTP client would normalise them) and read the answer."""
    host, port = base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(request)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        return int(head[9:12]), head
    finally:
        writer.close()


async def test_dot_segments_cannot_hop_between_route_groups(stack: Stack) -> None:
    driver = stack.key.token(roles=["driver"])
    async with stack.gateway() as client:
        base = str(client.base_url).rstrip("/")
        status, head = await _raw(
            base,
            b"GET /v1/support/echo/../../alerts HTTP/1.1\r\nHost: gw\r\n"
            b"Authorization: Bearer " + driver.encode() + b"\r\nConnection: close\r\n\r\n",
        )
        assert status == 400
        assert b"application/problem+json" in head


async def test_smuggling_framings_are_refused(stack: Stack) -> None:
    token = stack.key.token()
    async with stack.gateway() as client:
        base = str(client.base_url).rstrip("/")
        status, _ = await _raw(
            base,
            b"POST /v1/support/echo HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer "
            + token.encode()
            + b"\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            b"0\r\n\r\n",
        )
        assert status == 400
