"""/v1/id-tokens against the real stack: who may register, read, block, unblock and expire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.helpers.polling import eventually
from tests.helpers.stack import unique
from tests.identity.conftest import (
    Account,
    Identity,
    audit_actions,
    create_account,
    decision_of,
    publish_payment_account,
)


def new_uid() -> str:
    return unique("c").replace("-", "").lower()[:14]


async def register_card(identity: Identity, account: Account, uid: str | None = None) -> dict:  # type: ignore[type-arg]
    response = await identity.http.post(
        "/v1/id-tokens", json={"kind": "rfid", "uid": uid or new_uid()}, headers=account.headers
    )
    assert response.status_code == 201, response.text
    body: dict = response.json()  # type: ignore[type-arg]
    return body


async def test_a_driver_registers_their_card_and_gets_an_app_token(identity: Identity) -> None:
    driver = await create_account(identity)
    uid = new_uid()
    card = await register_card(identity, driver, uid)
    assert card["uid"] == uid.upper() and card["kind"] == "rfid"
    assert card["user_id"] == driver.id and card["status"] == "active"
    # Nothing heard from payment yet: no payment method on file.
    assert (card["decision"], card["decision_reason"]) == ("Blocked", "no-payment-method")
    assert await decision_of(identity, card["uid"]) == ("Blocked", "no-payment-method")

    app = await identity.http.post("/v1/id-tokens", json={"kind": "app"}, headers=driver.headers)
    assert app.status_code == 201
    assert app.json()["kind"] == "app" and len(app.json()["uid"]) == 20
    mine = await identity.http.get("/v1/id-tokens", headers=driver.headers)
    assert {t["id"] for t in mine.json()["items"]} == {card["id"], app.json()["id"]}
    assert ("id_token.registered", "success") in await audit_actions(identity, card["id"])


async def test_a_uid_belongs_to_one_user(identity: Identity) -> None:
    first, second = await create_account(identity), await create_account(identity)
    uid = new_uid()
    await register_card(identity, first, uid)
    for spelling in (uid, uid.upper()):
        response = await identity.http.post(
            "/v1/id-tokens", json={"kind": "rfid", "uid": spelling}, headers=second.headers
        )
        assert response.status_code == 409


async def test_invalid_registrations_are_refused(identity: Identity) -> None:
    driver = await create_account(identity)
    for body in (
        {"kind": "rfid"},
        {"kind": "rfid", "uid": "x"},
        {"kind": "rfid", "uid": "has spaces in it"},
        {"kind": "app", "uid": "CHOSEN1234"},
        {"kind": "nfc", "uid": "ABCDEF12"},
    ):
        response = await identity.http.post("/v1/id-tokens", json=body, headers=driver.headers)
        assert response.status_code == 422, body
    # Issuing for someone else, or with an expiry, is for operators.
    other = await create_account(identity)
    for body in (
        {"kind": "rfid", "uid": new_uid(), "user_id": other.id},
        {"kind": "rfid", "uid": new_uid(), "expires_at": "2030-01-01T00:00:00Z"},
    ):
        response = await identity.http.post("/v1/id-tokens", json=body, headers=driver.headers)
        assert response.status_code == 403, body


async def test_a_driver_cannot_see_or_touch_another_users_tokens(identity: Identity) -> None:
    owner, intruder = await create_account(identity), await create_account(identity)
    card = await register_card(identity, owner)
    for method, path, body in (
        ("GET", f"/v1/id-tokens/{card['id']}", None),
        ("PATCH", f"/v1/id-tokens/{card['id']}", {"label": "mine now"}),
        ("POST", f"/v1/id-tokens/{card['id']}/block", None),
        ("POST", f"/v1/id-tokens/{card['id']}/unblock", None),
        ("DELETE", f"/v1/id-tokens/{card['id']}", None),
    ):
        response = await identity.http.request(method, path, json=body, headers=intruder.headers)
        assert response.status_code == 404, (method, path)
    # Asking for the owner's tokens by user_id still only lists the caller's own.
    listed = await identity.http.get(
        "/v1/id-tokens", params={"user_id": owner.id}, headers=intruder.headers
    )
    assert listed.status_code == 200 and listed.json()["items"] == []
    # Looking decisions up by UID is for staff and services.
    lookup = await identity.http.get(
        f"/v1/id-tokens/decisions/{card['uid']}", headers=intruder.headers
    )
    assert lookup.status_code == 403
    unchanged = await identity.http.get(f"/v1/id-tokens/{card['id']}", headers=owner.headers)
    assert unchanged.json()["status"] == "active" and unchanged.json()["label"] is None


async def test_a_driver_blocks_a_lost_card_but_only_an_operator_unblocks_it(
    identity: Identity,
) -> None:
    driver = await create_account(identity)
    operator = await create_account(identity, roles=["operator"])
    support = await create_account(identity, roles=["support"])
    card = await register_card(identity, driver)

    blocked = await identity.http.post(
        f"/v1/id-tokens/{card['id']}/block", json={"reason": "lost"}, headers=driver.headers
    )
    assert blocked.status_code == 200
    assert (blocked.json()["status"], blocked.json()["decision"]) == ("blocked", "Blocked")
    assert blocked.json()["decision_reason"] == "token-blocked"

    assert (
        await identity.http.post(f"/v1/id-tokens/{card['id']}/unblock", headers=driver.headers)
    ).status_code == 403
    assert (
        await identity.http.post(f"/v1/id-tokens/{card['id']}/unblock", headers=support.headers)
    ).status_code == 403
    # Support can read it though.
    assert (
        await identity.http.get(f"/v1/id-tokens/{card['id']}", headers=support.headers)
    ).status_code == 200
    unblocked = await identity.http.post(
        f"/v1/id-tokens/{card['id']}/unblock", headers=operator.headers
    )
    assert unblocked.status_code == 200 and unblocked.json()["status"] == "active"
    actions = await audit_actions(identity, card["id"])
    assert ("id_token.blocked", "success") in actions
    assert ("id_token.unblocked", "success") in actions


async def test_operators_issue_tokens_block_them_and_set_expiry(identity: Identity) -> None:
    driver = await create_account(identity)
    operator = await create_account(identity, roles=["operator"])
    await publish_payment_account(driver.id, has_payment_method=True)
    expires = datetime.now(UTC) + timedelta(days=30)
    issued = await identity.http.post(
        "/v1/id-tokens",
        json={
            "kind": "rfid",
            "uid": new_uid(),
            "user_id": driver.id,
            "expires_at": expires.isoformat(),
            "label": "fleet card",
        },
        headers=operator.headers,
    )
    assert issued.status_code == 201
    token = issued.json()
    assert token["user_id"] == driver.id and token["label"] == "fleet card"

    # The driver sees the card issued to them; the payment event makes it usable.
    await eventually(lambda: _decision_is(identity, token["uid"], "Accepted"))
    seen = await identity.http.get(f"/v1/id-tokens/{token['id']}", headers=driver.headers)
    assert seen.json()["decision"] == "Accepted"

    # Drivers rename their cards but cannot move the expiry.
    assert (
        await identity.http.patch(
            f"/v1/id-tokens/{token['id']}",
            json={"expires_at": "2099-01-01T00:00:00Z"},
            headers=driver.headers,
        )
    ).status_code == 403
    renamed = await identity.http.patch(
        f"/v1/id-tokens/{token['id']}", json={"label": "my card"}, headers=driver.headers
    )
    assert renamed.json()["label"] == "my card" and renamed.json()["expires_at"] is not None

    past = datetime.now(UTC) - timedelta(minutes=1)
    expired = await identity.http.patch(
        f"/v1/id-tokens/{token['id']}",
        json={"expires_at": past.isoformat()},
        headers=operator.headers,
    )
    assert expired.status_code == 200 and expired.json()["decision"] == "Expired"
    assert await decision_of(identity, token["uid"]) == ("Expired", "token-expired")
    cleared = await identity.http.patch(
        f"/v1/id-tokens/{token['id']}", json={"expires_at": None}, headers=operator.headers
    )
    assert cleared.json()["expires_at"] is None and cleared.json()["decision"] == "Accepted"

    staff_list = await identity.http.get(
        "/v1/id-tokens", params={"user_id": driver.id}, headers=operator.headers
    )
    assert [t["id"] for t in staff_list.json()["items"]] == [token["id"]]
    lookup = await identity.http.get(
        f"/v1/id-tokens/decisions/{token['uid'].lower()}", headers=operator.headers
    )
    assert lookup.json() == {"uid": token["uid"], "decision": "Accepted", "reason": None}
    unknown = await identity.http.get(
        "/v1/id-tokens/decisions/NEVERSEEN01", headers=operator.headers
    )
    assert unknown.json()["decision"] == "Invalid"


async def test_deleting_a_token_frees_its_uid_and_invalidates_it(identity: Identity) -> None:
    driver, other = await create_account(identity), await create_account(identity)
    card = await register_card(identity, driver)
    deleted = await identity.http.delete(f"/v1/id-tokens/{card['id']}", headers=driver.headers)
    assert deleted.status_code == 204
    assert await decision_of(identity, card["uid"]) == ("Invalid", "unknown-token")
    again = await register_card(identity, other, card["uid"])
    assert again["user_id"] == other.id


async def test_disabling_the_user_blocks_their_tokens(identity: Identity) -> None:
    driver = await create_account(identity)
    card = await register_card(identity, driver)
    await publish_payment_account(driver.id, subscription_active=True, has_payment_method=False)
    await eventually(lambda: _decision_is(identity, card["uid"], "Accepted"))
    await identity.http.post(f"/v1/users/{driver.id}/disable", headers=identity.admin)
    assert await decision_of(identity, card["uid"]) == ("Blocked", "account-disabled")
    await identity.http.post(f"/v1/users/{driver.id}/enable", headers=identity.admin)
    assert await decision_of(identity, card["uid"]) == ("Accepted", None)


async def test_a_token_expiring_by_time_is_published_as_expired(identity: Identity) -> None:
    driver = await create_account(identity)
    operator = await create_account(identity, roles=["operator"])
    standing = await publish_payment_account(driver.id, has_payment_method=True)
    await eventually(lambda: _processed(identity, standing.id))
    soon = datetime.now(UTC) + timedelta(seconds=2)
    issued = await identity.http.post(
        "/v1/id-tokens",
        json={
            "kind": "rfid",
            "uid": new_uid(),
            "user_id": driver.id,
            "expires_at": soon.isoformat(),
        },
        headers=operator.headers,
    )
    uid = issued.json()["uid"]
    assert await decision_of(identity, uid) == ("Accepted", None)
    # No request touches the token: the periodic sweep notices the expiry on its own.
    await eventually(lambda: _decision_is(identity, uid, "Expired"), timeout=15)


async def _processed(identity: Identity, event_id: object) -> bool:
    count = await identity.db.fetchval("select count(*) from inbox where event_id = $1", event_id)
    return bool(count)


async def _decision_is(identity: Identity, uid: str, decision: str) -> bool:
    current = await decision_of(identity, uid)
    return current is not None and current[0] == decision
