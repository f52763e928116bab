"""What every identity endpoint may need: settings, keys, passwords, the caller, their address.

The caller is the platform's `Principal` with its roles (and a service account's scopes) taken
from identity's database rather than the token. Service accounts are never staff here: what
they may do is named by a scope (`staff_or_scope`).
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from services.identity.accounts import repository as accounts_repository
from services.identity.clients import repository as clients_repository
from services.identity.keys.service import SigningKeys
from services.identity.passwords import Passwords
from services.identity.settings import Settings
from shared.auth.deps import CurrentPrincipal
from shared.auth.jwt import Principal
from shared.db import Connection
from shared.problems import DomainError, Forbidden, NotFound, Unauthenticated, problem
from shared.service import DbConn, Runtime

SOURCE = "identity"
HUMAN_ROLES = ("driver", "operator", "support", "admin")


@dataclass(frozen=True)
class Identity:
    settings: Settings
    keys: SigningKeys
    passwords: Passwords


# Opens one short transaction (`runtime.transaction`): for flows that must not hold a pooled
# connection while Argon2 runs, instead of the request-long `DbConn`.
Transaction = Callable[[], AbstractAsyncContextManager[Connection]]


def get_transaction(runtime: Runtime) -> Transaction:
    return runtime.transaction


TransactionDep = Annotated[Transaction, Depends(get_transaction)]


def get_identity(request: Request) -> Identity:
    identity: Identity = request.app.state.identity
    return identity


IdentityDep = Annotated[Identity, Depends(get_identity)]


def client_address(request: Request) -> str | None:
    """The caller's address: behind the gateway the last X-Forwarded-For hop, else the peer."""
    identity = get_identity(request)
    if identity.settings.trust_forwarded_for:
        forwarded = request.headers.getlist("x-forwarded-for")
        if forwarded:
            candidate = forwarded[-1].split(",")[-1].strip()
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return request.client.host if request.client is not None else None


ClientAddress = Annotated[str | None, Depends(client_address)]


def user_id_of(principal: Principal) -> uuid.UUID:
    """The user account behind a principal; service accounts have none."""
    if principal.is_service:
        raise Forbidden("This action is for user accounts, not service accounts.")
    return uuid.UUID(principal.subject)


def require(principal: Principal, *roles: str) -> None:
    """One of these roles (of a person: the `service` role is never one of them)."""
    if not principal.has_any(roles):
        raise Forbidden("This action needs one of the roles: " + ", ".join(roles) + ".")


def staff_or_scope(principal: Principal, scope: str) -> bool:
    """Staff, or a service account granted this scope (service accounts are never staff)."""
    return principal.is_staff or (principal.is_service and principal.has_scope(scope))


async def load_principal(conn: Connection, token: Principal) -> Principal:
    """The caller as identity's database says now: a disabled account, a removed role or a
    scope taken from a service account takes effect at once here, not when the token expires."""
    try:
        account_id = uuid.UUID(token.subject)
    except ValueError:
        raise Unauthenticated("The access token is not valid.") from None
    if token.is_service:
        client = await clients_repository.client_state(conn, account_id)
        if client is None or client["status"] != "active":
            raise Unauthenticated("The service account is disabled or no longer exists.")
        scopes = token.scopes & frozenset(client["scopes"])
        return replace(token, roles=frozenset({"service"}), scopes=scopes)
    row = await accounts_repository.account_state(conn, account_id)
    if row is None or row["status"] != "active":
        raise Unauthenticated("The account is disabled or no longer exists.")
    return replace(token, roles=frozenset(row["roles"]), scopes=frozenset())


async def _active_principal(token: CurrentPrincipal, conn: DbConn) -> Principal:
    return await load_principal(conn, token)


async def _active_principal_briefly(token: CurrentPrincipal, runtime: Runtime) -> Principal:
    async with runtime.transaction() as conn:
        return await load_principal(conn, token)


# The caller, checked against the database in the request's transaction.
ActivePrincipal = Annotated[Principal, Depends(_active_principal)]
# The same, in a short transaction of its own: for endpoints that hash a password and must not
# hold a pooled connection while Argon2 runs.
ActivePrincipalBriefly = Annotated[Principal, Depends(_active_principal_briefly)]


def not_found(what: str) -> NotFound:
    return NotFound(f"No {what} with this id.")


def refusal(error: DomainError) -> JSONResponse:
    """Answer with a refusal the service *returned*, so the request's transaction still commits
    what it recorded about it (audit entry, failure count, revoked token family)."""
    return problem(
        error.status, error.detail, slug=error.slug, headers=error.headers, **error.extensions
    )
