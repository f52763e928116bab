"""SQL of the signing keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.db import Connection

# Serialises key creation across replicas (any fixed number; see shared.db for the others).
KEY_LOCK = 7_410_102


async def lock_keys(conn: Connection) -> None:
    await conn.execute("select pg_advisory_xact_lock($1)", KEY_LOCK)


async def active_key(conn: Connection) -> Any:
    return await conn.fetchrow(
        "select kid, private_pem_encrypted, public_jwk, created_at from signing_keys "
        "where retired_at is null"
    )


async def private_key(conn: Connection, kid: str) -> bytes | None:
    value = await conn.fetchval(
        "select private_pem_encrypted from signing_keys where kid = $1", kid
    )
    return bytes(value) if value is not None else None


async def insert_key(
    conn: Connection, kid: str, private_pem_encrypted: bytes, public_jwk: dict[str, Any]
) -> None:
    await conn.execute(
        "insert into signing_keys (kid, private_pem_encrypted, public_jwk) values ($1, $2, $3)",
        kid,
        private_pem_encrypted,
        public_jwk,
    )


async def retire_active(conn: Connection, published_until: datetime) -> str | None:
    kid: str | None = await conn.fetchval(
        "update signing_keys set retired_at = now(), published_until = $1 "
        "where retired_at is null returning kid",
        published_until,
    )
    return kid


async def published_keys(conn: Connection) -> list[Any]:
    """Keys whose tokens may still be alive: the active one and recently retired ones."""
    return await conn.fetch(
        "select kid, public_jwk, created_at, retired_at, published_until from signing_keys "
        "where retired_at is null or published_until > now() order by created_at desc"
    )


async def all_keys(conn: Connection) -> list[Any]:
    return await conn.fetch(
        "select kid, created_at, retired_at, published_until from signing_keys "
        "order by created_at desc"
    )
