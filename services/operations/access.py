"""Who may do what in operations (the role matrix of the README, as dependencies).

Operators and admins run stations; support staff read alerts; a service account reads alerts
only with the explicit scope `alerts:read`; drivers reach only the public safety read.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from shared.auth.deps import CurrentPrincipal, require_roles
from shared.auth.jwt import Principal
from shared.problems import Forbidden

ALERTS_READ_SCOPE = "alerts:read"


async def _alert_reader(principal: CurrentPrincipal) -> Principal:
    if principal.has_any(("operator", "admin", "support")):
        return principal
    if principal.is_service and principal.has_scope(ALERTS_READ_SCOPE):
        return principal
    raise Forbidden("Reading alerts needs the operator, admin or support role.")


OperatorPrincipal = Annotated[Principal, Depends(require_roles("operator", "admin"))]
AlertReader = Annotated[Principal, Depends(_alert_reader)]
