"""Every SQL statement of id-tokens, charging sessions, meter samples and reservations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from services.connectivity.sessions.schemas import Sample
from shared.db import Connection

_SESSION = """id, charge_point_id, ocpp_version, connector_id, evse_id, transaction_id, id_tag,
              user_id, auth_status, reservation_id, status, started_at, stopped_at,
              meter_start_wh, meter_last_wh, meter_stop_wh, energy_wh, power_w, soc_percent,
              stop_reason"""


async def upsert_id_token(
    conn: Connection,
    uid: str,
    kind: str,
    user_id: str | None,
    decision: str,
    expires_at: datetime | None,
) -> None:
    await conn.execute(
        """insert into id_tokens (uid, kind, user_id, decision, expires_at, updated_at)
           values ($1, $2, $3, $4, $5, now())
           on conflict (uid) do update set kind = excluded.kind, user_id = excluded.user_id,
               decision = excluded.decision, expires_at = excluded.expires_at, updated_at = now()""",
        uid,
        kind,
        user_id,
        decision,
        expires_at,
    )


async def id_token(conn: Connection, uid: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "select uid, user_id, decision, expires_at from id_tokens where uid = $1", uid
    )


async def active_session_of_token(
    conn: Connection, uid: str, *, except_cp: str | None = None, except_tx: str | None = None
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """select id, charge_point_id, connector_id from charging_sessions
            where id_tag = $1 and status = 'active' and auth_status = 'Accepted'
              and not (charge_point_id = coalesce($2, '') and transaction_id = coalesce($3, ''))
            limit 1""",
        uid,
        except_cp,
        except_tx,
    )


async def reservation_for(conn: Connection, cp_id: str, connector_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """select reservation_id, id_tag from reservations
            where charge_point_id = $1 and status = 'active' and expires_at > now()
              and (connector_id = $2 or connector_id = 0)
            order by connector_id desc limit 1""",
        cp_id,
        connector_id,
    )


async def upsert_reservation(
    conn: Connection,
    cp_id: str,
    reservation_id: int,
    connector_id: int,
    id_tag: str,
    expires_at: datetime,
) -> None:
    await conn.execute(
        """insert into reservations (charge_point_id, reservation_id, connector_id, id_tag,
                                     expires_at, status)
           values ($1, $2, $3, $4, $5, 'active')
           on conflict (charge_point_id, reservation_id) do update set
               connector_id = excluded.connector_id, id_tag = excluded.id_tag,
               expires_at = excluded.expires_at, status = 'active'""",
        cp_id,
        reservation_id,
        connector_id,
        id_tag,
        expires_at,
    )


async def end_reservation(conn: Connection, cp_id: str, reservation_id: int, status: str) -> None:
    await conn.execute(
        "update reservations set status = $3 where charge_point_id = $1 and reservation_id = $2",
        cp_id,
        reservation_id,
        status,
    )


async def session_by_start(
    conn: Connection, cp_id: str, connector_id: int, id_tag: str | None, started_at: datetime
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""select {_SESSION} from charging_sessions
             where charge_point_id = $1 and connector_id = $2
               and coalesce(id_tag, '') = coalesce($3, '')
               and started_at = $4 and ocpp_version = '1.6'""",  # noqa: S608
        cp_id,
        connector_id,
        id_tag,
        started_at,
    )


async def session_by_transaction(
    conn: Connection, cp_id: str, transaction_id: str, *, for_update: bool = False
) -> asyncpg.Record | None:
    lock = " for update" if for_update else ""
    return await conn.fetchrow(
        f"select {_SESSION} from charging_sessions "  # noqa: S608
        f"where charge_point_id = $1 and transaction_id = $2{lock}",
        cp_id,
        transaction_id,
    )


async def next_transaction_id(conn: Connection) -> int:
    return int(await conn.fetchval("select nextval('ocpp_transaction_ids')"))


async def insert_session(conn: Connection, values: dict[str, Any]) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""insert into charging_sessions
               (id, charge_point_id, ocpp_version, connector_id, evse_id, transaction_id, id_tag,
                user_id, auth_status, reservation_id, started_at, meter_start_wh, meter_last_wh)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
            on conflict do nothing
            returning {_SESSION}""",  # noqa: S608
        values["id"],
        values["charge_point_id"],
        values["ocpp_version"],
        values["connector_id"],
        values["evse_id"],
        values["transaction_id"],
        values["id_tag"],
        values["user_id"],
        values["auth_status"],
        values["reservation_id"],
        values["started_at"],
        values["meter_start_wh"],
    )


async def stop_session(
    conn: Connection,
    session_id: UUID,
    stopped_at: datetime,
    meter_stop_wh: int | None,
    reason: str | None,
) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"""update charging_sessions set status = 'stopped', stopped_at = $2,
                   meter_stop_wh = coalesce($3, meter_last_wh, meter_start_wh),
                   meter_last_wh = coalesce($3, meter_last_wh, meter_start_wh),
                   energy_wh = greatest(coalesce($3, meter_last_wh, meter_start_wh)
                                        - meter_start_wh, 0),
                   stop_reason = $4
             where id = $1 returning {_SESSION}""",  # noqa: S608
        session_id,
        stopped_at,
        meter_stop_wh,
        reason,
    )
    assert row is not None
    return row


# Closing a session whose stop never arrived: the last known register is its final reading.
_ORPHAN_STOP = """status = 'stopped',
                   meter_stop_wh = coalesce(meter_last_wh, meter_start_wh),
                   meter_last_wh = coalesce(meter_last_wh, meter_start_wh),
                   energy_wh = greatest(coalesce(meter_last_wh, meter_start_wh) - meter_start_wh, 0)"""


async def stop_orphans_of_chargers(
    conn: Connection, cp_ids: Sequence[str], reason: str
) -> list[asyncpg.Record]:
    """Close the chargers' active sessions (they rebooted), stopped at their last sample."""
    return await conn.fetch(
        f"""update charging_sessions set {_ORPHAN_STOP},
                   stopped_at = greatest(coalesce(last_sample_at, started_at), started_at),
                   stop_reason = $2
             where charge_point_id = any($1::text[]) and status = 'active'
         returning {_SESSION}""",  # noqa: S608
        list(cp_ids),
        reason,
    )


async def stop_orphans_on_connectors(
    conn: Connection,
    cp_ids: Sequence[str],
    connector_ids: Sequence[int],
    evse_ids: Sequence[int | None],
    reported_at: Sequence[datetime],
    reason: str,
) -> list[asyncpg.Record]:
    """Close active sessions on connectors (1.6) or EVSEs (2.0.1) reported free, stopped when
    the report says; only sessions that began before the report."""
    return await conn.fetch(
        f"""update charging_sessions s set {_ORPHAN_STOP},
                   stopped_at = greatest(k.at, s.started_at), stop_reason = $5
              from unnest($1::text[], $2::int[], $3::int[], $4::timestamptz[])
                   as k(cp, connector, evse, at)
             where s.charge_point_id = k.cp and s.status = 'active' and s.started_at < k.at
               and (case when k.evse is null then s.connector_id = k.connector
                         else s.evse_id = k.evse end)
         returning {", ".join("s." + c.strip() for c in _SESSION.split(","))}""",  # noqa: S608
        list(cp_ids),
        list(connector_ids),
        list(evse_ids),
        list(reported_at),
        reason,
    )


async def stop_orphan(conn: Connection, session_id: UUID, reason: str) -> asyncpg.Record | None:
    """Close one active session now (an operator's decision); None if it is not active."""
    return await conn.fetchrow(
        f"""update charging_sessions set {_ORPHAN_STOP},
                   stopped_at = greatest(now(), started_at), stop_reason = $2
             where id = $1 and status = 'active'
         returning {_SESSION}""",  # noqa: S608
        session_id,
        reason,
    )


async def set_auth(
    conn: Connection, session_id: UUID, id_tag: str, user_id: str | None, auth_status: str
) -> None:
    await conn.execute(
        "update charging_sessions set id_tag = $2, user_id = $3, auth_status = $4 where id = $1",
        session_id,
        id_tag,
        user_id,
        auth_status,
    )


async def sessions_by_transactions(
    conn: Connection, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], UUID]:
    """Session ids of many (charger, transactionId) pairs in one round trip."""
    rows = await conn.fetch(
        """select s.id, s.charge_point_id, s.transaction_id from charging_sessions s
             join unnest($1::text[], $2::text[]) as k(cp, tx)
               on s.charge_point_id = k.cp and s.transaction_id = k.tx""",
        [k[0] for k in keys],
        [k[1] for k in keys],
    )
    return {(row["charge_point_id"], row["transaction_id"]): row["id"] for row in rows}


async def insert_samples(conn: Connection, session_id: UUID, samples: Sequence[Sample]) -> None:
    if not samples:
        return
    await conn.execute(
        """insert into meter_samples (session_id, at, measurand, phase, value, unit)
           select $1, s.at, s.measurand, s.phase, s.value, s.unit
             from unnest($2::timestamptz[], $3::text[], $4::text[], $5::float8[], $6::text[])
                  as s(at, measurand, phase, value, unit)
           on conflict do nothing""",
        session_id,
        [s.at for s in samples],
        [s.measurand for s in samples],
        [s.phase for s in samples],
        [s.value for s in samples],
        [s.unit for s in samples],
    )


async def last_drawing_at(
    conn: Connection, session_id: UUID, threshold_w: float, started_at: datetime
) -> datetime | None:
    """The last power sample above the threshold; the start if none was; None without samples."""
    row = await conn.fetchrow(
        """select max(at) filter (where value > $2) as drawing, count(*) as samples
             from meter_samples
            where session_id = $1 and measurand = 'Power.Active.Import' and phase = ''""",
        session_id,
        threshold_w,
    )
    if row is None or not row["samples"]:
        return None
    drawing: datetime | None = row["drawing"]
    return drawing or started_at


async def apply_progress(
    conn: Connection,
    session_id: UUID,
    register_wh: int | None,
    latest_at: datetime | None,
    power_w: float | None,
    soc: float | None,
    throttle_s: float,
) -> asyncpg.Record | None:
    """Fold samples into the live session; returns the row when a session.updated is due."""
    return await conn.fetchrow(
        f"""update charging_sessions set
                   meter_last_wh = greatest(coalesce(meter_last_wh, meter_start_wh),
                                            coalesce($2, meter_last_wh, meter_start_wh)),
                   energy_wh = greatest(greatest(coalesce(meter_last_wh, meter_start_wh),
                                                 coalesce($2, meter_last_wh, meter_start_wh))
                                        - meter_start_wh, 0),
                   power_w = case when $3::timestamptz >= coalesce(last_sample_at, '-infinity')
                                  then coalesce($4, power_w) else power_w end,
                   soc_percent = case when $3::timestamptz >= coalesce(last_sample_at, '-infinity')
                                      then coalesce($5, soc_percent) else soc_percent end,
                   last_sample_at = greatest(last_sample_at, $3::timestamptz),
                   last_update_event_at = case
                       when last_update_event_at is null
                         or last_update_event_at < now() - make_interval(secs => $6)
                       then now() else last_update_event_at end
             where id = $1 and status = 'active'
         returning {_SESSION}, last_update_event_at = now() as update_due""",  # noqa: S608
        session_id,
        register_wh,
        latest_at,
        power_w,
        soc,
        throttle_s,
    )


async def list_sessions(
    conn: Connection,
    *,
    user_id: str | None,
    charge_point_id: str | None,
    status: str | None,
    limit: int,
    offset: int,
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""select {_SESSION} from charging_sessions
             where ($1::text is null or user_id = $1)
               and ($2::text is null or charge_point_id = $2)
               and ($3::text is null or status = $3)
             order by started_at desc limit $4 offset $5""",  # noqa: S608
        user_id,
        charge_point_id,
        status,
        limit,
        offset,
    )


async def get_session(conn: Connection, session_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"select {_SESSION} from charging_sessions where id = $1",  # noqa: S608
        session_id,
    )


async def samples(conn: Connection, session_id: UUID, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "select at, measurand, phase, value, unit from meter_samples where session_id = $1 "
        "order by at, measurand, phase limit $2",
        session_id,
        limit,
    )
