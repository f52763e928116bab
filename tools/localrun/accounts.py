"""Demo accounts of the local platform, created through the gateway as the admin would."""

from __future__ import annotations

import httpx

from tools.localrun.view import Login


async def ensure_account(
    gateway_url: str, admin: Login, email: str, password: str, role: str
) -> str:
    """An account with `role` (created once; an existing one is kept as it is)."""
    async with httpx.AsyncClient(base_url=gateway_url, timeout=10.0) as http:
        login = await http.post(
            "/v1/auth/login", json={"email": admin.email, "password": admin.password}
        )
        if login.status_code != 200:
            return f"admin login failed ({login.status_code})"
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        created = await http.post(
            "/v1/users",
            json={"email": email, "password": password, "roles": [role]},
            headers=headers,
        )
        if created.status_code == 201:
            return "created"
        if created.status_code == 409:
            return "exists"
        return f"not created ({created.status_code}: {created.text[:200]})"
