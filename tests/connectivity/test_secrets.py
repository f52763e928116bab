"""Charger secrets never leave the frame they came in: not stored, published or answered in clear."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.connectivity.commands.secrets import names_secret, redact
from shared.events.topics import CONNECTIVITY_COMMAND_RESULTS, CONNECTIVITY_COMMANDS
from tests.connectivity.clients import basic, charger, raw
from tests.connectivity.support import (
    OPERATOR,
    EventWatcher,
    Service,
    new_charge_point,
    running,
    settings_for,
)
from tests.connectivity.test_registry import handshake_status

SETTINGS = {"replica_heartbeat_s": 0.2}
SECRET = "a-brand-new-secret-key-123"


@pytest.fixture(scope="module")
async def other_replica(service: Service) -> AsyncIterator[Service]:
    async with running(settings_for(service.dsn, replica_heartbeat_s=0.2)) as replica:
        yield replica


async def send(service: Service, cp_id: str, action: str, payload: dict[str, Any]) -> Any:
    response = await service.http.post(
        f"/v1/charge-points/{cp_id}/commands",
        json={"action": action, "payload": payload},
        headers=OPERATOR,
    )
    assert response.status_code == 200, response.text
    return response


async def registered(ws: Any) -> None:
    """An answered Heartbeat: the connection is registered, commands can reach it."""
    await ws.send('[2, "hb", "Heartbeat", {}]')
    await asyncio.wait_for(ws.recv(), 5)


async def stored_anywhere(service: Service, text: str) -> list[str]:
    """Tables of the service whose rows hold `text` (commands, secrets kept, outbox, inbox...)."""
    found = []
    for table in ("commands", "command_secrets", "outbox", "dead_letters", "security_events"):
        rows = await service.pool.fetchval(
            f"select count(*) from {table} t where t::text like $1",
            f"%{text}%",
        )
        if rows:
            found.append(table)
    return found


def test_secret_names_cover_keys_passwords_and_secrets_but_not_the_word_key() -> None:
    assert all(
        names_secret(n)
        for n in ("AuthorizationKey", "BasicAuthPassword", "apnPassword", "ClientSecret")
    )
    assert not any(names_secret(n) for n in ("key", "HeartbeatInterval", "idTag", None))
    clean, found = redact(
        {
            "setVariableData": [
                {"attributeValue": "p", "variable": {"name": "BasicAuthPassword"}},
                {"attributeValue": "30", "variable": {"name": "HeartbeatInterval"}},
            ]
        }
    )
    assert found
    assert clean == {
        "setVariableData": [
            {"attributeValue": "***", "variable": {"name": "BasicAuthPassword"}},
            {"attributeValue": "30", "variable": {"name": "HeartbeatInterval"}},
        ]
    }


async def test_a_new_authorization_key_reaches_the_charger_and_nowhere_else(
    service: Service, other_replica: Service
) -> None:
    cp_id, password = await new_charge_point(service)
    payload = {"key": "AuthorizationKey", "value": SECRET}
    async with (
        EventWatcher(CONNECTIVITY_COMMANDS.name, CONNECTIVITY_COMMAND_RESULTS.name) as events,
        charger(other_replica.ocpp_url, cp_id, password) as cp,
    ):
        answer = await send(service, cp_id, "ChangeConfiguration", payload)
        await events.wait_for("command.completed", cp_id)
        await events.wait_for("command.requested", cp_id)
    # The replica holding the charger sent the clear key, read from its own database.
    assert cp.received[-1] == ("ChangeConfiguration", {"key": "AuthorizationKey", "value": SECRET})
    assert answer.json()["status"] == "Answered"
    assert answer.json()["payload"] == {"key": "AuthorizationKey", "value": "***"}
    listed = await service.http.get(f"/v1/charge-points/{cp_id}/commands", headers=OPERATOR)
    assert SECRET not in listed.text and "***" in listed.text
    assert [e for e in events.events if SECRET in json.dumps(e.data)] == []
    assert await stored_anywhere(service, SECRET) == []


async def test_a_basic_auth_password_set_over_201_is_redacted_but_sent(service: Service) -> None:
    cp_id, password = await new_charge_point(service, ocpp_version="2.0.1")
    payload = {
        "setVariableData": [
            {
                "attributeValue": SECRET,
                "component": {"name": "SecurityCtrlr"},
                "variable": {"name": "BasicAuthPassword"},
            }
        ]
    }
    async with raw(service.ocpp_url, cp_id, password, "2.0.1") as ws:
        await registered(ws)
        pending = asyncio.create_task(send(service, cp_id, "SetVariables", payload))
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert frame[2] == "SetVariables"
        assert frame[3]["setVariableData"][0]["attributeValue"] == SECRET
        result = {
            "setVariableResult": [
                {
                    "attributeStatus": "Accepted",
                    "component": {"name": "SecurityCtrlr"},
                    "variable": {"name": "BasicAuthPassword"},
                }
            ]
        }
        await ws.send(json.dumps([3, frame[1], result]))
        answer = (await pending).json()
    assert answer["status"] == "Answered"
    assert answer["payload"]["setVariableData"][0]["attributeValue"] == "***"
    assert await stored_anywhere(service, SECRET) == []


async def test_a_secret_in_a_chargers_answer_is_redacted(service: Service) -> None:
    cp_id, password = await new_charge_point(service)
    async with (
        EventWatcher(CONNECTIVITY_COMMAND_RESULTS.name) as results,
        raw(service.ocpp_url, cp_id, password) as ws,
    ):
        await registered(ws)
        pending = asyncio.create_task(send(service, cp_id, "GetConfiguration", {}))
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        configuration = [
            {"key": "AuthorizationKey", "readonly": False, "value": SECRET},
            {"key": "HeartbeatInterval", "readonly": False, "value": "60"},
        ]
        await ws.send(json.dumps([3, frame[1], {"configurationKey": configuration}]))
        answer = (await pending).json()
        done = await results.wait_for("command.completed", cp_id)
    assert answer["response"]["configurationKey"] == [
        {"key": "AuthorizationKey", "readonly": False, "value": "***"},
        {"key": "HeartbeatInterval", "readonly": False, "value": "60"},
    ]
    assert SECRET not in json.dumps(done[0].data)
    assert await stored_anywhere(service, SECRET) == []


async def test_a_chargers_password_is_shown_only_in_the_answer_that_set_it(
    service: Service,
) -> None:
    created = await service.http.post(
        "/v1/charge-points", json={"id": "CP-SECRET-1"}, headers=OPERATOR
    )
    first = created.json()["password"]
    reset = await service.http.post(
        "/v1/charge-points/CP-SECRET-1/password", json={}, headers=OPERATOR
    )
    second = reset.json()["password"]
    assert first and second and first != second
    for path in (
        "/v1/charge-points?limit=1000",
        "/v1/charge-points/CP-SECRET-1",
        "/v1/charge-points/CP-SECRET-1/connectors",
        "/v1/charge-points/CP-SECRET-1/status-history",
        "/v1/charge-points/CP-SECRET-1/commands",
        "/v1/charge-points/CP-SECRET-1/frames",
    ):
        text = (await service.http.get(path, headers=OPERATOR)).text
        assert first not in text and second not in text and '"password"' not in text, path
    assert await stored_anywhere(service, second) == []


async def test_a_charger_that_accepts_a_new_authorization_key_is_let_in_with_it(
    service: Service,
) -> None:
    """Else the charger, now presenting its new key, would be refused at its next handshake."""
    cp_id, old = await new_charge_point(service)
    async with charger(service.ocpp_url, cp_id, old):
        await send(
            service, cp_id, "ChangeConfiguration", {"key": "AuthorizationKey", "value": SECRET}
        )
    async with charger(service.ocpp_url, cp_id, SECRET):  # let in with the new key
        pass
    assert await handshake_status(service, cp_id, {"Authorization": basic(cp_id, old)}) == 401
    # A refused change leaves the password as it was.
    other, password = await new_charge_point(service, ocpp_version="2.0.1")
    async with raw(service.ocpp_url, other, password, "2.0.1") as ws:
        await registered(ws)
        pending = asyncio.create_task(
            send(
                service,
                other,
                "SetVariables",
                {
                    "setVariableData": [
                        {
                            "attributeValue": SECRET,
                            "component": {"name": "SecurityCtrlr"},
                            "variable": {"name": "BasicAuthPassword"},
                        }
                    ]
                },
            )
        )
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        rejected = {
            "setVariableResult": [
                {
                    "attributeStatus": "Rejected",
                    "component": {"name": "SecurityCtrlr"},
                    "variable": {"name": "BasicAuthPassword"},
                }
            ]
        }
        await ws.send(json.dumps([3, frame[1], rejected]))
        await pending
    async with charger(service.ocpp_url, other, password, "2.0.1"):  # still the old one
        pass
    headers = {"Authorization": basic(other, SECRET)}
    assert await handshake_status(service, other, headers, ["ocpp2.0.1"]) == 401
