"""/v1/users against the real stack: own account, administration, role checks, audit log."""

from __future__ import annotations

import json

from shared.events.identity import UserDeleted, UserDisabled, UserRegistered, UserRolesChanged
from shared.events.topics import IDENTITY_USERS
from tests.helpers.polling import eventually
from tests.helpers.stack import unique
from tests.identity.conftest import (
    PASSWORD,
    Identity,
    audit_actions,
    create_account,
    login,
    records_for_key,
)


async def test_a_user_reads_and_updates_their_own_profile(identity: Identity) -> None:
    account = await create_account(identity, display_name="Grace")
    me = await identity.http.get("/v1/users/me", headers=account.headers)
    assert me.status_code == 200
    assert me.json()["id"] == account.id and me.json()["display_name"] == "Grace"
    updated = await identity.http.patch(
        "/v1/users/me", json={"display_name": "Grace H."}, headers=account.headers
    )
    assert updated.status_code == 200 and updated.json()["display_name"] == "Grace H."
    own = await identity.http.get(f"/v1/users/{account.id}", headers=account.headers)
    assert own.status_code == 200 and own.json()["display_name"] == "Grace H."


async def test_a_driver_cannot_read_or_change_another_user(identity: Identity) -> None:
    driver, other = await create_account(identity), await create_account(identity)
    for method, path, body in (
        ("GET", f"/v1/users/{other.id}", None),
        ("PUT", f"/v1/users/{other.id}/roles", {"roles": ["driver"]}),
        ("POST", f"/v1/users/{other.id}/disable", None),
        ("POST", f"/v1/users/{other.id}/enable", None),
    ):
        response = await identity.http.request(method, path, json=body, headers=driver.headers)
        assert response.status_code == 404, (method, path)
    # Indistinguishable from a user that does not exist at all.
    missing = await identity.http.get(
        "/v1/users/00000000-0000-4000-8000-000000000000", headers=driver.headers
    )
    assert missing.status_code == 404


async def test_admin_endpoints_check_roles(identity: Identity) -> None:
    driver = await create_account(identity)
    support = await create_account(identity, roles=["support"])
    operator = await create_account(identity, roles=["operator"])
    target = await create_account(identity)

    for account in (driver, support, operator):
        assert (
            await identity.http.post(
                "/v1/users",
                json={"email": f"{unique('x')}@example.com", "password": PASSWORD},
                headers=account.headers,
            )
        ).status_code == 403
        assert (
            await identity.http.put(
                f"/v1/users/{target.id}/roles", json={"roles": ["admin"]}, headers=account.headers
            )
        ).status_code in (403, 404)
        assert (
            await identity.http.get("/v1/users/audit-log", headers=account.headers)
        ).status_code == 403
        assert (
            await identity.http.post("/v1/auth/keys/rotate", headers=account.headers)
        ).status_code == 403
        assert (
            await identity.http.post(
                "/v1/auth/clients", json={"name": "x"}, headers=account.headers
            )
        ).status_code == 403

    # Only staff list users; a driver's own profile is at /v1/users/me.
    assert (await identity.http.get("/v1/users", headers=driver.headers)).status_code == 403
    listed = await identity.http.get("/v1/users", headers=support.headers)
    assert listed.status_code == 200 and len(listed.json()["items"]) >= 4
    # Support reads but does not disable; operators disable drivers but not staff.
    assert (
        await identity.http.post(f"/v1/users/{target.id}/disable", headers=support.headers)
    ).status_code == 403
    assert (
        await identity.http.post(f"/v1/users/{support.id}/disable", headers=operator.headers)
    ).status_code == 403
    disabled = await identity.http.post(f"/v1/users/{target.id}/disable", headers=operator.headers)
    assert disabled.status_code == 200 and disabled.json()["status"] == "disabled"
    assert ("user.disabled", "success") in await audit_actions(identity, target.id)


async def test_listing_users_filters_by_role_status_and_email(identity: Identity) -> None:
    operator = await create_account(identity, roles=["operator"])
    response = await identity.http.get(
        "/v1/users", params={"role": "operator", "email": operator.email}, headers=identity.admin
    )
    assert [u["id"] for u in response.json()["items"]] == [operator.id]
    admins = await identity.http.get("/v1/users", params={"role": "admin"}, headers=identity.admin)
    assert all("admin" in u["roles"] for u in admins.json()["items"])
    bad = await identity.http.get("/v1/users", params={"status": "odd"}, headers=identity.admin)
    assert bad.status_code == 422


async def test_an_admin_changes_roles_and_new_tokens_carry_them(identity: Identity) -> None:
    account = await create_account(identity)
    response = await identity.http.put(
        f"/v1/users/{account.id}/roles",
        json={"roles": ["operator", "driver"]},
        headers=identity.admin,
    )
    assert response.status_code == 200 and response.json()["roles"] == ["driver", "operator"]
    # A role change revokes the tokens issued before it (the revocation travels over Kafka);
    # the next token (refresh reads the current roles) carries the new roles.
    refreshed = await identity.http.post(
        "/v1/auth/refresh", json={"refresh_token": account.refresh_token}
    )
    assert refreshed.status_code == 200
    new_headers = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
    assert (await identity.http.get("/v1/users", headers=new_headers)).status_code == 200
    from jose import jwt

    claims = jwt.get_unverified_claims(refreshed.json()["access_token"])
    assert claims["roles"] == ["driver", "operator"]
    row = await identity.db.fetchrow(
        "select actor_id, details from audit_log where action = 'user.roles_changed' "
        "and subject_id = $1",
        account.id,
    )
    assert row is not None
    assert json.loads(row["details"]) == {"before": ["driver"], "after": ["driver", "operator"]}
    await eventually(lambda: _has_event(account.id, UserRolesChanged.event_type), timeout=20)


async def test_admins_cannot_lock_themselves_out(identity: Identity) -> None:
    admin_id = (await identity.http.get("/v1/users/me", headers=identity.admin)).json()["id"]
    demote = await identity.http.put(
        f"/v1/users/{admin_id}/roles", json={"roles": ["driver"]}, headers=identity.admin
    )
    assert demote.status_code == 409
    disable = await identity.http.post(f"/v1/users/{admin_id}/disable", headers=identity.admin)
    assert disable.status_code == 409
    bad_role = await identity.http.put(
        f"/v1/users/{admin_id}/roles", json={"roles": ["superuser"]}, headers=identity.admin
    )
    assert bad_role.status_code == 422


async def test_an_admin_creates_staff_accounts(identity: Identity) -> None:
    email = f"{unique('op')}@example.com"
    response = await identity.http.post(
        "/v1/users",
        json={"email": email, "password": PASSWORD, "roles": ["operator"]},
        headers=identity.admin,
    )
    assert response.status_code == 201 and response.json()["roles"] == ["operator"]
    tokens = await login(identity.http, email, PASSWORD)
    from jose import jwt

    assert jwt.get_unverified_claims(tokens["access_token"])["roles"] == ["operator"]


async def test_deleting_ones_account_anonymises_it_and_tells_other_services(
    identity: Identity,
) -> None:
    account = await create_account(identity, display_name="Someone")
    token = await identity.http.post(
        "/v1/id-tokens", json={"kind": "rfid", "uid": "DE1E7E0001"}, headers=account.headers
    )
    assert token.status_code == 201
    wrong = await identity.http.request(
        "DELETE", "/v1/users/me", json={"password": "not-the-password"}, headers=account.headers
    )
    assert wrong.status_code == 403

    deleted = await identity.http.request(
        "DELETE", "/v1/users/me", json={"password": PASSWORD}, headers=account.headers
    )
    assert deleted.status_code == 204

    row = await identity.db.fetchrow(
        "select email, display_name, password_hash, status from users where id = $1::uuid",
        account.id,
    )
    assert row is not None
    assert row["status"] == "deleted" and account.email not in row["email"]
    assert row["display_name"] is None and row["password_hash"] is None
    assert (
        await identity.db.fetchval(
            "select count(*) from id_tokens where user_id = $1::uuid", account.id
        )
        == 0
    )
    # Logged out everywhere, and the email is free again.
    assert (await identity.http.get("/v1/users/me", headers=account.headers)).status_code == 401
    refresh = await identity.http.post(
        "/v1/auth/refresh", json={"refresh_token": account.refresh_token}
    )
    assert refresh.status_code == 401
    login_again = await identity.http.post(
        "/v1/auth/login", json={"email": account.email, "password": PASSWORD}
    )
    assert login_again.status_code == 401
    again = await identity.http.post(
        "/v1/auth/register", json={"email": account.email, "password": PASSWORD}
    )
    assert again.status_code == 201
    # The UID is free too; staff see the deleted tombstone.
    tombstone = await identity.http.get(f"/v1/users/{account.id}", headers=identity.admin)
    assert tombstone.json()["status"] == "deleted"

    await eventually(lambda: _has_event(account.id, UserDeleted.event_type), timeout=20)
    events = await records_for_key(IDENTITY_USERS, account.id)
    assert events[0].type == UserRegistered.event_type
    assert events[-1].payload(UserDeleted).user_id == account.id
    assert all(account.email not in e.model_dump_json() for e in events)


async def test_disabling_publishes_user_disabled(identity: Identity) -> None:
    account = await create_account(identity)
    await identity.http.post(f"/v1/users/{account.id}/disable", headers=identity.admin)
    await eventually(lambda: _has_event(account.id, UserDisabled.event_type), timeout=20)


async def test_the_audit_log_lists_security_actions_for_admins(identity: Identity) -> None:
    account = await create_account(identity)
    await identity.http.post(f"/v1/users/{account.id}/disable", headers=identity.admin)
    response = await identity.http.get(
        "/v1/users/audit-log", params={"subject_id": account.id}, headers=identity.admin
    )
    assert response.status_code == 200
    actions = [entry["action"] for entry in response.json()["items"]]
    assert actions[0] == "user.disabled" and "login" in actions and "user.registered" in actions
    page = await identity.http.get(
        "/v1/users/audit-log", params={"limit": 2}, headers=identity.admin
    )
    first = page.json()
    assert len(first["items"]) == 2 and first["next_before_id"] == first["items"][-1]["id"]
    following = await identity.http.get(
        "/v1/users/audit-log",
        params={"limit": 2, "before_id": first["next_before_id"]},
        headers=identity.admin,
    )
    assert following.json()["items"][0]["id"] < first["items"][-1]["id"]
    text = (await identity.http.get("/v1/users/audit-log", headers=identity.admin)).text
    assert PASSWORD not in text and account.refresh_token not in text


async def _has_event(user_id: str, event_type: str) -> bool:
    return event_type in [e.type for e in await records_for_key(IDENTITY_USERS, user_id)]
