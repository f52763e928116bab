"""Every error a service returns is RFC 9457 problem+json with the right status, never a trace."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from shared.http import RequestContextMiddleware
from shared.problems import Conflict, NotFound, install_problem_handlers
from tests.helpers.stack import admin_dsn


class Body(BaseModel):
    amount: int


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, service="test")

    @app.get("/missing")
    async def missing() -> None:
        raise NotFound("Reservation r-1 does not exist.")

    @app.post("/conflict")
    async def conflict() -> None:
        raise Conflict("The connector is already reserved.", reservation_id="r-2")

    @app.post("/validated")
    async def validated(body: Body) -> dict[str, int]:
        return {"amount": body.amount}

    @app.get("/echo")
    async def echo(text: str, number: int) -> dict[str, object]:
        conn = await asyncpg.connect(admin_dsn())
        try:
            return dict(
                await conn.fetchrow("select $1::text as text, $2::bigint as n", text, number)
            )
        finally:
            await conn.close()

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("database password=s3cret leaked in a message")

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def _is_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body["status"] == status and {"type", "title"} <= body.keys()
    return body


async def test_domain_errors_map_to_their_status(client: httpx.AsyncClient) -> None:
    body = _is_problem(await client.get("/missing"), 404)
    assert body["detail"] == "Reservation r-1 does not exist."
    body = _is_problem(await client.post("/conflict"), 409)
    assert body["reservation_id"] == "r-2"


async def test_validation_errors_are_422_with_the_failing_fields(client: httpx.AsyncClient) -> None:
    body = _is_problem(await client.post("/validated", json={"amount": "lots"}), 422)
    errors = body["errors"]
    assert isinstance(errors, list) and errors[0]["loc"] == ["body", "amount"]


async def test_unknown_routes_and_methods_are_problems(client: httpx.AsyncClient) -> None:
    _is_problem(await client.get("/nowhere"), 404)
    _is_problem(await client.delete("/missing"), 405)


async def test_values_postgres_cannot_store_are_422_not_500(client: httpx.AsyncClient) -> None:
    assert (await client.get("/echo", params={"text": "ok", "number": 1})).status_code == 200
    _is_problem(await client.get("/echo", params={"text": "a\x00b", "number": 1}), 422)
    _is_problem(await client.get("/echo", params={"text": "ok", "number": 2**70}), 422)


async def test_unexpected_errors_are_500_without_internals(client: httpx.AsyncClient) -> None:
    response = await client.get("/boom")
    body = _is_problem(response, 500)
    assert "s3cret" not in response.text and "Traceback" not in response.text
    assert body["title"] == "Internal Server Error"
    assert response.headers["x-correlation-id"]
