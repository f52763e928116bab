"""Who may see which figures (the role matrix of the README, as dependencies).

A driver (any person) sees only their own figures. Per-charge-point figures: operators, admins
and support staff (support answers "this charger is always broken" with its uptime and faults).
Network figures: operators and admins. A service account reads station and network figures only
with the explicit scope `stats:read` (e.g. a BI export), and has no "own" figures.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends

from shared.auth.deps import CurrentPrincipal
from shared.auth.jwt import Principal
from shared.problems import Forbidden

STATS_READ_SCOPE = "stats:read"


async def _person(principal: CurrentPrincipal) -> Principal:
    if principal.is_service:
        raise Forbidden("A service account has no figures of its own.")
    return principal


def _reader(*roles: str, what: str) -> Callable[[Principal], Awaitable[Principal]]:
    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.is_service:
            if principal.has_scope(STATS_READ_SCOPE):
                return principal
            raise Forbidden(f"{what} need the scope {STATS_READ_SCOPE}.")
        if principal.has_any(roles):
            return principal
        raise Forbidden(f"{what} need one of the roles: " + ", ".join(roles) + ".")

    return check


Person = Annotated[Principal, Depends(_person)]
StationReader = Annotated[
    Principal, Depends(_reader("operator", "admin", "support", what="Charge point figures"))
]
NetworkReader = Annotated[Principal, Depends(_reader("operator", "admin", what="Network figures"))]
