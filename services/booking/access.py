"""Who may call what in booking (the role matrix in the README); ownership is the services' job.

Service accounts get nothing by role alone: reading reservations needs the `bookings:read` scope.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from shared.auth.deps import CurrentPrincipal, require_roles
from shared.auth.jwt import Principal
from shared.problems import Forbidden

READ_SCOPE = "bookings:read"
USER_ROLES = ("driver", "support", "operator", "admin")


async def _reader(principal: CurrentPrincipal) -> Principal:
    if principal.has_any(USER_ROLES):
        return principal
    if principal.is_service and principal.has_scope(READ_SCOPE):
        return principal
    raise Forbidden(f"Reading reservations needs a user role or the scope {READ_SCOPE}.")


async def _anyone(principal: CurrentPrincipal) -> Principal:
    if principal.has_any((*USER_ROLES, "service")):
        return principal
    raise Forbidden("This needs a role.")


Reader = Annotated[Principal, Depends(_reader)]
AnyRole = Annotated[Principal, Depends(_anyone)]
Booker = Annotated[Principal, Depends(require_roles("driver", "operator", "admin"))]
Canceller = Annotated[Principal, Depends(require_roles("driver", "operator", "admin"))]
Operator = Annotated[Principal, Depends(require_roles("operator", "admin"))]
StaffReader = Annotated[Principal, Depends(require_roles("support", "operator", "admin"))]
