"""Who may do what in notifications (the role matrix of the README, as dependencies).

Drivers manage their own preferences and read their own deliveries; operators manage their own
subscriptions (another operator's: 404) and read the deliveries of them; admins everything;
support reads drivers' preferences and the log (to answer "I never got my receipt").
Service accounts reach nothing here.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from shared.auth.deps import require_roles
from shared.auth.jwt import Principal

PreferenceReader = Annotated[Principal, Depends(require_roles("driver", "support", "admin"))]
DriverPrincipal = Annotated[Principal, Depends(require_roles("driver"))]
SubscriberPrincipal = Annotated[Principal, Depends(require_roles("operator", "admin"))]
LogReader = Annotated[Principal, Depends(require_roles("driver", "support", "operator", "admin"))]
AdminPrincipal = Annotated[Principal, Depends(require_roles("admin"))]


def sees_everyone(principal: Principal) -> bool:
    return principal.has_any(("support", "admin"))
