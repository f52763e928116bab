"""FastAPI dependencies: the calling principal, and coarse role requirements."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.auth.jwt import Principal, TokenVerifier
from shared.problems import Forbidden, Unauthenticated

_bearer = HTTPBearer(auto_error=False, description="An access token from /v1/auth/login")


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("An access token is required.")
    verifier: TokenVerifier = request.app.state.token_verifier
    return await verifier.verify(credentials.credentials)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    async def check(principal: CurrentPrincipal) -> Principal:
        if not principal.has_any(roles):
            raise Forbidden("This action needs one of the roles: " + ", ".join(roles) + ".")
        return principal

    return check


def require_scope(scope: str) -> Callable[[Principal], Awaitable[Principal]]:
    """For service accounts: the token must carry this explicit scope (e.g. `commands:reserve`)."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if not principal.has_scope(scope):
            raise Forbidden(f"This action needs the scope {scope}.")
        return principal

    return check


# People on the operator's staff. Service accounts are not staff: routes they may use say so
# with `require_scope(...)`.
StaffPrincipal = Annotated[Principal, Depends(require_roles("operator", "support", "admin"))]
AdminPrincipal = Annotated[Principal, Depends(require_roles("admin"))]
