"""Write-behind buffers never drop rows because one row failed, nor because a flush failed."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ocpp.v16 import call

from services.connectivity.ocpp.hub import Hub
from services.connectivity.ocpp.write_behind import WriteBehind
from services.connectivity.sessions.schemas import Sample
from shared.db import Connection
from tests.connectivity.clients import charger
from tests.connectivity.support import Service, new_charge_point, publish_id_token
from tests.helpers.polling import eventually
from tests.helpers.stack import unique

# Long enough that the test, not the flusher, decides when buffered rows are written.
SETTINGS = {"flush_interval_s": 3600.0}


def energy(timestamp: str, wh: int) -> list[dict[str, object]]:
    return [{"timestamp": timestamp, "sampledValue": [{"value": str(wh), "unit": "Wh"}]}]


@dataclass
class Neighbours:
    """A good and a bad charger, each with an accepted session on connector 1."""

    good: Any
    good_cp: str
    good_tx: int
    bad: Any
    bad_cp: str
    bad_tx: int


@contextlib.asynccontextmanager
async def neighbours_charging(service: Service, at: str) -> AsyncIterator[Neighbours]:
    (good_cp, good_pw), (bad_cp, bad_pw) = [await new_charge_point(service) for _ in range(2)]
    tags = [unique("TAG"), unique("TAG")]
    for tag in tags:
        await publish_id_token(service, tag, user_id=unique("driver"))
    async with (
        charger(service.ocpp_url, good_cp, good_pw) as good,
        charger(service.ocpp_url, bad_cp, bad_pw) as bad,
    ):
        transactions = []
        for cp, tag in zip((good, bad), tags, strict=True):
            started = await cp.call(
                call.StartTransaction(connector_id=1, id_tag=tag, meter_start=1000, timestamp=at)
            )
            transactions.append(int(started.transaction_id))
        yield Neighbours(good, good_cp, transactions[0], bad, bad_cp, transactions[1])


def poison(at: datetime) -> Sample:
    # Slipped past the edge somehow (a bug): PostgreSQL refuses the NUL in its measurand.
    return Sample(at, "Energy.Active.Import.Register\x00", "", 1.0, "Wh")


async def test_a_poison_sample_is_quarantined_and_every_other_row_is_written(
    service: Service,
) -> None:
    hub: Hub = service.app.state.hub
    async with neighbours_charging(service, "2026-11-23T10:00:00Z") as n:
        for cp, tx, wh in ((n.good, n.good_tx, 2500), (n.bad, n.bad_tx, 1700)):
            await cp.call(
                call.MeterValues(
                    connector_id=1,
                    transaction_id=tx,
                    meter_value=energy("2026-11-23T10:05:00Z", wh),
                )
            )
        hub.queue_samples(
            n.bad_cp, str(n.bad_tx), [poison(datetime(2026, 11, 23, 10, 6, tzinfo=UTC))]
        )
        await hub.flush()
    good_cp, bad_cp = n.good_cp, n.bad_cp
    samples = await service.pool.fetch(
        "select s.charge_point_id, m.value from meter_samples m "
        "join charging_sessions s on s.id = m.session_id where s.charge_point_id = any($1)",
        [good_cp, bad_cp],
    )
    assert sorted((r["charge_point_id"], r["value"]) for r in samples) == sorted(
        [(good_cp, 2500.0), (bad_cp, 1700.0)]
    )

    async def quarantined() -> bool:
        kinds = await service.pool.fetch(
            "select kind from security_events where charge_point_id = $1", bad_cp
        )
        return "unstorable_row" in {r["kind"] for r in kinds}

    await eventually(quarantined)


async def test_a_failed_flush_does_not_fail_an_unrelated_stop_transaction(
    service: Service,
) -> None:
    hub: Hub = service.app.state.hub
    async with neighbours_charging(service, "2026-11-23T11:00:00Z") as n:
        hub.queue_samples(
            n.bad_cp, str(n.bad_tx), [poison(datetime(2026, 11, 23, 11, 1, tzinfo=UTC))]
        )
        await n.good.call(
            call.MeterValues(
                connector_id=1,
                transaction_id=n.good_tx,
                meter_value=energy("2026-11-23T11:20:00Z", 4200),
            )
        )
        # No InternalError: the stop writes its own buffered samples, nobody else's.
        stopped = await n.good.call(
            call.StopTransaction(
                meter_stop=4500, timestamp="2026-11-23T11:30:00Z", transaction_id=n.good_tx
            )
        )
        assert stopped is not None
        await hub.flush()
    row = await service.pool.fetchrow(
        "select status, energy_wh, last_sample_at from charging_sessions "
        "where charge_point_id = $1",
        n.good_cp,
    )
    assert row["status"] == "stopped" and row["energy_wh"] == 3500
    assert row["last_sample_at"] == datetime(2026, 11, 23, 11, 20, tzinfo=UTC)


class FlakyDatabase:
    """A transaction factory whose database is down for the first `down` transactions."""

    def __init__(self, service: Service, down: int) -> None:
        self.service = service
        self.down = down

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        if self.down > 0:
            self.down -= 1
            raise ConnectionRefusedError("database down")
        async with self.service.pool.acquire() as conn, conn.transaction():
            yield conn


async def test_frames_buffered_during_an_outage_are_written_afterwards(service: Service) -> None:
    hub: Hub = service.app.state.hub
    database = FlakyDatabase(service, down=1)
    buffers = WriteBehind(hub.settings, database.transaction, lambda ids: {}, hub.security)
    cp_id = unique("CP-OUTAGE")
    for i in range(5):
        buffers.record(cp_id, "in", 2, f"m{i}", "Heartbeat", f'[2,"m{i}","Heartbeat",{{}}]')
    assert await buffers.flush() is False  # the database was down: nothing may be lost
    assert await buffers.flush() is True
    rows = await service.pool.fetch(
        "select unique_id from ocpp_frames where charge_point_id = $1 order by id", cp_id
    )
    assert [r["unique_id"] for r in rows] == [f"m{i}" for i in range(5)]


async def test_the_frame_buffer_is_bounded_in_bytes(service: Service) -> None:
    hub: Hub = service.app.state.hub
    settings = hub.settings.model_copy(update={"ocpp_frame_buffer_max_bytes": 20_000})
    database = FlakyDatabase(service, down=0)
    buffers = WriteBehind(settings, database.transaction, lambda ids: {}, hub.security)
    cp_id = unique("CP-BIG")
    text = '[2,"m","DataTransfer",{"vendorId":"x","data":"' + "y" * 4000 + '"}]'
    for _ in range(50):
        buffers.record(cp_id, "in", 2, "m", "DataTransfer", text)
    assert buffers.frames_dropped > 0
    await buffers.flush()
    kept = await service.pool.fetchval(
        "select coalesce(sum(length(payload)), 0) from ocpp_frames where charge_point_id = $1",
        cp_id,
    )
    assert 0 < kept <= 20_000


async def test_frames_with_a_nul_are_logged_escaped(service: Service) -> None:
    hub: Hub = service.app.state.hub
    database = FlakyDatabase(service, down=0)
    buffers = WriteBehind(hub.settings, database.transaction, lambda ids: {}, hub.security)
    cp_id = unique("CP-NUL")
    buffers.record(cp_id, "in", None, "id\x00", None, "[2,\x00 not json")
    assert await buffers.flush() is True
    payload = await service.pool.fetchval(
        "select payload from ocpp_frames where charge_point_id = $1", cp_id
    )
    assert payload == "[2,\\u0000 not json"
