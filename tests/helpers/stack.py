"""Reach the local stack that `make test` started: its environment, fresh databases, servers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import uvicorn
from fastapi import FastAPI

from tools.localstack import ROOT, load_stack_env

__all__ = ["ROOT", "load_stack_env"]


def admin_dsn(database: str = "postgres") -> str:
    base = os.environ["LADDA_PG_ADMIN_URL"].rsplit("/", 1)[0]
    return f"{base}/{database}"


def database_name(name: str) -> str:
    """A test database's name, made distinct per pytest-xdist worker and per checkout.

    `LADDA_TEST_DB_SUFFIX` separates test runs of several checkouts sharing one stack.
    """
    parts = [
        name,
        os.environ.get("PYTEST_XDIST_WORKER", ""),
        os.environ.get("LADDA_TEST_DB_SUFFIX", ""),
    ]
    return "_".join(part for part in parts if part)


async def fresh_database(name: str) -> str:
    """Drop and create a database for one test module; returns its DSN."""
    name = database_name(name)
    conn = await asyncpg.connect(admin_dsn())
    try:
        await conn.execute(f'drop database if exists "{name}" with (force)')
        await conn.execute(f'create database "{name}"')
    finally:
        await conn.close()
    return admin_dsn(name)


def free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@contextlib.asynccontextmanager
async def serve(app: FastAPI, port: int | None = None) -> AsyncIterator[str]:
    """Run an ASGI app on a real port in this event loop; yields its base URL."""
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def wait_until_ready(base_url: str, timeout: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    async with httpx.AsyncClient() as client:
        while True:
            response = await client.get(f"{base_url}/readyz")
            if response.status_code == 200:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{base_url} not ready: {response.text}")
            await asyncio.sleep(0.1)


def stack_command(command: str) -> None:
    """Stop or start a component of the local stack (for resilience tests)."""
    subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "local" / "stack.py"), command],
        check=True,
        cwd=ROOT,
    )
