"""What every identity endpoint may need: settings, keys, passwords, the caller, their address."""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from services.identity.accounts import repository as accounts_repository
from services.identity.clients import repository as clients_repository
from services.identity.keys.service import SigningKeys
from services.identity.passwords import Passwords
from services.identity.settings import Settings
from shared.auth.deps import CurrentPrincipal
from shared.db import Connection
from shared.problems import DomainError, Forbidden, NotFound, Unauthenticated, problem
from shared.service import DbConn

SOURCE = "identity"
HUMAN_ROLES = ("driver", "operator", "support", "admin")
STAFF = frozenset({"operator", "support", "admin"})


@dataclass(frozen=True)
class Identity:
    settings: Settings
    keys: SigningKeys
    passwords: Passwords


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


@dataclass(frozen=True)
class Caller:
    """An authenticated caller whose account is active now (checked in identity's database)."""

    subject: str
    roles: frozenset[str]

    @property
    def is_service(self) -> bool:
        return "service" in self.roles

    @property
    def is_staff(self) -> bool:
        return not self.roles.isdisjoint(STAFF) or self.is_service

    @property
    def user_id(self) -> uuid.UUID:
        if self.is_service:
            raise Forbidden("This action is for user accounts, not service accounts.")
        return uuid.UUID(self.subject)

    def require(self, *roles: str) -> None:
        if self.roles.isdisjoint(roles):
            raise Forbidden("This action needs one of the roles: " + ", ".join(roles) + ".")


async def load_caller(conn: Connection, subject: str, token_roles: frozenset[str]) -> Caller:
    # Roles and status come from the database, not the token: in identity a disabled account
    # or a removed role takes effect at once, not when the access token expires.
    try:
        account_id = uuid.UUID(subject)
    except ValueError:
        raise Unauthenticated("The access token is not valid.") from None
    if "service" in token_roles:
        if await clients_repository.client_status(conn, account_id) != "active":
            raise Unauthenticated("The service account is disabled or no longer exists.")
        return Caller(subject=subject, roles=frozenset({"service"}))
    row = await accounts_repository.account_state(conn, account_id)
    if row is None or row["status"] != "active":
        raise Unauthenticated("The account is disabled or no longer exists.")
    return Caller(subject=subject, roles=frozenset(row["roles"]))


async def current_caller(principal: CurrentPrincipal, conn: DbConn) -> Caller:
    return await load_caller(conn, principal.subject, principal.roles)


CurrentCaller = Annotated[Caller, Depends(current_caller)]


def not_found(what: str) -> NotFound:
    return NotFound(f"No {what} with this id.")


def refusal(error: DomainError) -> JSONResponse:
    """Answer with a refusal the service *returned*, so the request's transaction still commits
    what it recorded about it (audit entry, failure count, revoked token family)."""
    return problem(
        error.status, error.detail, slug=error.slug, headers=error.headers, **error.extensions
    )
