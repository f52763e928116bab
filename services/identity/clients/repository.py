"""SQL of service accounts."""

from __future__ import annotations

import uuid

from asyncpg import Record

from shared.db import Connection


async def insert_client(
    conn: Connection,
    *,
    account_id: uuid.UUID,
    client_id: str,
    name: str,
    secret_hash: bytes,
    scopes: list[str],
    created_by: uuid.UUID | None,
) -> Record:
    row = await conn.fetchrow(
        """insert into service_accounts (id, client_id, name, secret_hash, scopes, created_by)
            values ($1, $2, $3, $4, $5, $6) returning id, client_id, name, status, scopes, created_at, created_by""",
        account_id,
        client_id,
        name,
        secret_hash,
        scopes,
        created_by,
    )
    assert row is not None  # written by primary key just now
    return row


async def client_by_client_id(conn: Connection, client_id: str) -> Record | None:
    return await conn.fetchrow(
        "select id, client_id, name, status, scopes, created_at, created_by, secret_hash from service_accounts where client_id = $1",
        client_id,
    )


async def list_clients(conn: Connection) -> list[Record]:
    return await conn.fetch(
        "select id, client_id, name, status, scopes, created_at, created_by from service_accounts order by created_at"
    )


async def set_status(conn: Connection, account_id: uuid.UUID, status: str) -> Record | None:
    return await conn.fetchrow(
        "update service_accounts set status = $2 where id = $1 returning id, client_id, name, status, scopes, created_at, created_by",
        account_id,
        status,
    )


async def client_state(conn: Connection, account_id: uuid.UUID) -> Record | None:
    return await conn.fetchrow(
        "select status, scopes from service_accounts where id = $1", account_id
    )


async def upsert_bootstrap_client(
    conn: Connection, *, client_id: str, secret_hash: bytes, scopes: list[str]
) -> None:
    """A client named in the settings: created, or its secret and scopes brought in line."""
    await conn.execute(
        """insert into service_accounts (id, client_id, name, secret_hash, scopes)
           values ($1, $2, $2, $3, $4)
           on conflict (client_id) do update
                 set secret_hash = excluded.secret_hash, scopes = excluded.scopes""",
        uuid.uuid4(),
        client_id,
        secret_hash,
        scopes,
    )
