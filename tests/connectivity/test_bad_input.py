"""Bad frames get the CALLERROR the OCPP-J spec names; the connection and others carry on."""

from __future__ import annotations

import asyncio
import json

import pytest
from ocpp.v16 import call
from websockets.exceptions import ConnectionClosed

from services.connectivity.framelog import repository
from tests.connectivity.clients import charger, exchange, raw
from tests.connectivity.support import OPERATOR, Service, new_charge_point
from tests.helpers.polling import eventually

SETTINGS = {"ocpp_max_frame_bytes": 4096, "ocpp_rate_per_s": 20.0, "ocpp_rate_burst": 5}


@pytest.mark.parametrize(
    ("version", "frame", "code"),
    [
        ("1.6", "{not json", "FormationViolation"),
        ("2.0.1", "{not json", "FormatViolation"),
        ("1.6", '{"an": "object"}', "FormationViolation"),
        ("1.6", '[2, "m1", "Heartbeat"]', "FormationViolation"),
        ("1.6", '[7, "m1", "Heartbeat", {}]', "ProtocolError"),
        ("2.0.1", '[7, "m1", "Heartbeat", {}]', "MessageTypeNotSupported"),
        ("1.6", '[2, "m1", "FlyToTheMoon", {}]', "NotImplemented"),
        ("2.0.1", '[2, "m1", "FlyToTheMoon", {}]', "NotImplemented"),
        # A central-system-to-charger action sent the wrong way round is known but not supported.
        ("1.6", '[2, "m1", "RemoteStartTransaction", {"idTag": "x"}]', "NotSupported"),
        (
            "1.6",
            '[2, "m1", "StatusNotification", {"connectorId": 1, "status": "Available"}]',
            "ProtocolError",
        ),
        (
            "2.0.1",
            '[2, "m1", "BootNotification", {"reason": "PowerUp"}]',
            "OccurrenceConstraintViolation",
        ),
        (
            "1.6",
            '[2, "m1", "StatusNotification", {"connectorId": "one", "errorCode": "NoError", '
            '"status": "Available"}]',
            "TypeConstraintViolation",
        ),
        (
            "1.6",
            '[2, "m1", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", '
            '"status": "Sleeping"}]',
            "PropertyConstraintViolation",
        ),
        ("1.6", '[2, "m1", "Heartbeat", {"extra": 1}]', "FormationViolation"),
        ("1.6", '[2, "m1", "Authorize", {"idTag": "' + "x" * 21 + '"}]', "TypeConstraintViolation"),
    ],
)
async def test_bad_frames_get_the_callerror_the_spec_names(
    service: Service, version: str, frame: str, code: str
) -> None:
    cp_id, password = await new_charge_point(service, ocpp_version=version)
    async with raw(service.ocpp_url, cp_id, password, version) as ws:
        answer = await exchange(ws, frame)
        assert answer[0] == 4 and answer[2] == code, answer
        # The connection carries on.
        ok = await exchange(ws, '[2, "after", "Heartbeat", {}]')
        assert ok[0] == 3 and ok[1] == "after"


async def test_frame_above_the_size_limit_is_refused_and_others_carry_on(service: Service) -> None:
    big_cp, big_pw = await new_charge_point(service)
    other_cp, other_pw = await new_charge_point(service)
    async with (
        charger(service.ocpp_url, other_cp, other_pw) as other,
        raw(service.ocpp_url, big_cp, big_pw) as ws,
    ):
        payload = {"vendorId": "x", "data": "y" * 10_000}
        await ws.send(json.dumps([2, "big", "DataTransfer", payload]))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
        assert (await other.call(call.Heartbeat())).current_time


async def test_flooding_charger_is_throttled_without_slowing_others(service: Service) -> None:
    flood_cp, flood_pw = await new_charge_point(service)
    calm_cp, calm_pw = await new_charge_point(service)
    async with (
        raw(service.ocpp_url, flood_cp, flood_pw) as flood,
        charger(service.ocpp_url, calm_cp, calm_pw) as calm,
    ):
        loop = asyncio.get_running_loop()
        started = loop.time()
        for i in range(45):
            await flood.send(json.dumps([2, f"f{i}", "Heartbeat", {}]))
        # The calm charger's heartbeat is answered at once while the flood is being paced.
        calm_started = loop.time()
        assert (await calm.call(call.Heartbeat())).current_time
        calm_took = loop.time() - calm_started
        answers = [json.loads(await asyncio.wait_for(flood.recv(), 10)) for _ in range(45)]
        flood_took = loop.time() - started
    assert all(a[0] == 3 for a in answers)
    # 5 burst + 40 at 20/s: about two seconds for the flood, far less for the calm charger.
    assert flood_took >= 1.5 and calm_took < flood_took / 3


async def test_frames_are_logged_with_secrets_redacted(service: Service) -> None:
    cp_id, password = await new_charge_point(service)
    async with charger(service.ocpp_url, cp_id, password) as cp:
        await cp.call(call.Heartbeat())
        command = await service.http.post(
            f"/v1/charge-points/{cp_id}/commands",
            json={
                "action": "ChangeConfiguration",
                "payload": {"key": "AuthorizationKey", "value": "a-brand-new-secret-key-123"},
            },
            headers=OPERATOR,
        )
        assert command.json()["status"] == "Answered", command.text

        async def logged() -> bool:
            frames = (
                await service.http.get(f"/v1/charge-points/{cp_id}/frames", headers=OPERATOR)
            ).json()
            return {f["action"] for f in frames} >= {"Heartbeat", "ChangeConfiguration"}

        await eventually(logged)
    frames = (await service.http.get(f"/v1/charge-points/{cp_id}/frames", headers=OPERATOR)).json()
    assert {(f["direction"], f["action"]) for f in frames} >= {
        ("in", "Heartbeat"),
        ("out", "Heartbeat"),
        ("out", "ChangeConfiguration"),
    }
    assert all("a-brand-new-secret-key-123" not in f["payload"] for f in frames)
    heartbeat_only = (
        await service.http.get(
            f"/v1/charge-points/{cp_id}/frames", params={"action": "Heartbeat"}, headers=OPERATOR
        )
    ).json()
    assert {f["action"] for f in heartbeat_only} == {"Heartbeat"}


async def test_frame_log_retention_purges_old_rows(service: Service) -> None:
    await service.pool.execute(
        "insert into ocpp_frames (charge_point_id, direction, at, payload) "
        "values ('OLD', 'in', now() - interval '40 days', '[]'), ('OLD', 'in', now(), '[]')"
    )
    async with service.pool.acquire() as conn:
        assert await repository.purge(conn, 14) >= 1
    assert (
        await service.pool.fetchval(
            "select count(*) from ocpp_frames where charge_point_id = 'OLD'"
        )
        == 1
    )
