"""Who may do what in support (the role matrix of the README, as dependencies).

Drivers use `/v1/support/tickets` and see only their own tickets; support agents, operators
and admins work the queue at `/v1/support/queue`. Service accounts reach neither: the two
audiences have separate routes, so an internal note cannot leak through a shared response.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from shared.auth.deps import require_roles
from shared.auth.jwt import Principal

STAFF_ROLES = ("support", "operator", "admin")

DriverPrincipal = Annotated[Principal, Depends(require_roles("driver"))]
AgentPrincipal = Annotated[Principal, Depends(require_roles(*STAFF_ROLES))]
