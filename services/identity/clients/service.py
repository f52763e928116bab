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
from services.identity.context import Identity, require, user_id_of
from services.identity.revocations import revoke_access
from shared.auth.jwt import Principal
from shared.auth.scopes import KNOWN_SCOPES
from shared.db import Connection
from shared.problems import DomainError, Invalid, NotFound, Unauthenticated

BAD_CLIENT = "The client credentials are not valid."


class InvalidScope(Invalid):
    slug = "invalid-scope"


# Compared when the client id is unknown, so both refusals take the same work.
_DUMMY_HASH = hashlib.sha256(b"no such client").digest()


def _hash_secret(secret: str) -> bytes:
    # Secrets are 256-bit random strings we generate: sha256 is enough (no dictionary to try).
    return hashlib.sha256(secret.encode()).digest()


async def create_client(
    conn: Connection, caller: Principal, name: str, scopes: list[str], address: str | None
) -> tuple[Record, str]:
    require(caller, "admin")
    scopes = sorted(set(scopes))
    client_id = f"{name}-{secrets.token_hex(4)}"
    secret = secrets.token_urlsafe(32)
    row = await repository.insert_client(
        conn,
        account_id=uuid.uuid4(),
        client_id=client_id,
        name=name,
        secret_hash=_hash_secret(secret),
        scopes=scopes,
        created_by=user_id_of(caller),
    )
    await audit.record(
        conn,
        "service_account.created",
        actor_id=caller.subject,
        subject_id=str(row["id"]),
        client_address=address,
        details={"client_id": client_id, "scopes": scopes},
    )
    return row, secret


async def list_clients(conn: Connection, caller: Principal) -> list[Record]:
    require(caller, "admin")
    return list(await repository.list_clients(conn))


async def set_status(
    conn: Connection, caller: Principal, account_id: uuid.UUID, status: str, address: str | None
) -> Record:
    require(caller, "admin")
    row = await repository.set_status(conn, account_id, status)
    if row is None:
        raise NotFound("No service account with this id.")
    if status == "disabled":
        # Its access tokens stop working everywhere now, not when they expire.
        await revoke_access(conn, str(account_id), reason="service-account-disabled")
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
    requested_scope: str | None,
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
    granted = set(row["scopes"])
    if requested_scope is not None:
        # RFC 6749 §3.3: a client may ask for fewer scopes than it holds, never for more.
        requested = set(requested_scope.split())
        if not requested <= granted:
            return InvalidScope(
                "The client may not have the scopes: " + " ".join(sorted(requested - granted))
            )
        granted = requested
    scope = " ".join(sorted(granted))
    settings = identity.settings
    token = await identity.keys.issue_access_token(
        conn,
        subject=str(row["id"]),
        roles=["service"],
        scope=scope,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
    return ClientToken(access_token=token, expires_in=settings.access_token_ttl_s, scope=scope)


async def ensure_bootstrap_clients(conn: Connection, identity: Identity) -> None:
    """The service accounts of LADDA_BOOTSTRAP_CLIENTS (e.g. notifications'), as configured."""
    for client in identity.settings.bootstrap_clients:
        unknown = set(client.scopes) - set(KNOWN_SCOPES)
        if unknown:
            raise ValueError(f"bootstrap client {client.client_id}: unknown scopes {unknown}")
        await repository.upsert_bootstrap_client(
            conn,
            client_id=client.client_id,
            secret_hash=_hash_secret(client.secret.get_secret_value()),
            scopes=sorted(set(client.scopes)),
        )
