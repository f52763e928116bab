"""Rules of service accounts: admins create them; a client trades id + secret for a token."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

from asyncpg import Record

from services.identity.audit import repository as audit
from services.identity.clients import repository
from services.identity.clients.schemas import ClientToken
from services.identity.context import Caller, Identity
from shared.db import Connection
from shared.problems import DomainError, NotFound, Unauthenticated

BAD_CLIENT = "The client credentials are not valid."
# Compared when the client id is unknown, so both refusals take the same work.
_DUMMY_HASH = hashlib.sha256(b"no such client").digest()


def _hash_secret(secret: str) -> bytes:
    # Secrets are 256-bit random strings we generate: sha256 is enough (no dictionary to try).
    return hashlib.sha256(secret.encode()).digest()


async def create_client(
    conn: Connection, caller: Caller, name: str, address: str | None
) -> tuple[Record, str]:
    caller.require("admin")
    client_id = f"{name}-{secrets.token_hex(4)}"
    secret = secrets.token_urlsafe(32)
    row = await repository.insert_client(
        conn,
        account_id=uuid.uuid4(),
        client_id=client_id,
        name=name,
        secret_hash=_hash_secret(secret),
        created_by=caller.user_id,
    )
    await audit.record(
        conn,
        "service_account.created",
        actor_id=caller.subject,
        subject_id=str(row["id"]),
        client_address=address,
        details={"client_id": client_id},
    )
    return row, secret


async def list_clients(conn: Connection, caller: Caller) -> list[Record]:
    caller.require("admin")
    return list(await repository.list_clients(conn))


async def set_status(
    conn: Connection, caller: Caller, account_id: uuid.UUID, status: str, address: str | None
) -> Record:
    caller.require("admin")
    row = await repository.set_status(conn, account_id, status)
    if row is None:
        raise NotFound("No service account with this id.")
    await audit.record(
        conn,
        "service_account.disabled" if status == "disabled" else "service_account.enabled",
        actor_id=caller.subject,
        subject_id=str(account_id),
        client_address=address,
    )
    return row


async def client_credentials_token(
    conn: Connection,
    identity: Identity,
    *,
    client_id: str,
    client_secret: str,
    address: str | None,
) -> ClientToken | DomainError:
    row = await repository.client_by_client_id(conn, client_id)
    expected = bytes(row["secret_hash"]) if row is not None else _DUMMY_HASH
    matches = hmac.compare_digest(expected, _hash_secret(client_secret))
    if row is None or not matches or row["status"] != "active":
        await audit.record(
            conn,
            "client_token",
            outcome="failure",
            subject_id=str(row["id"]) if row is not None else None,
            client_address=address,
            details={"client_id": client_id[:100]},
        )
        return Unauthenticated(BAD_CLIENT)
    settings = identity.settings
    token = await identity.keys.issue_access_token(
        conn,
        subject=str(row["id"]),
        roles=["service"],
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
    return ClientToken(access_token=token, expires_in=settings.access_token_ttl_s)
