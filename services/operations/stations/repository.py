"""Every SQL statement of the stations read model (registry entries and connectivity)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from shared.db import Connection

_COLUMNS = """charge_point_id, site, ocpp_version, connectors, approval, online, offline_since,
              offline_alerted"""


@dataclass(frozen=True)
class Station:
    charge_point_id: str
    site: str | None
    ocpp_version: str
    connectors: int
    approval: str
    online: bool
    offline_since: datetime | None


def _station(row: asyncpg.Record) -> Station:
    return Station(
        charge_point_id=row["charge_point_id"],
        site=row["site"],
        ocpp_version=row["ocpp_version"],
        connectors=row["connectors"],
        approval=row["approval"],
        online=row["online"],
        offline_since=row["offline_since"],
    )


async def upsert_registry(
    conn: Connection,
    cp_id: str,
    site: str | None,
    ocpp_version: str,
    connectors: int,
    approval: str,
) -> None:
    await conn.execute(
        """insert into stations (charge_point_id, site, ocpp_version, connectors, approval)
           values ($1, $2, $3, $4, $5)
           on conflict (charge_point_id) do update set
               site = excluded.site, ocpp_version = excluded.ocpp_version,
               connectors = excluded.connectors, approval = excluded.approval,
               updated_at = now()""",
        cp_id,
        site,
        ocpp_version,
        connectors,
        approval,
    )


async def get(conn: Connection, cp_id: str) -> Station | None:
    row = await conn.fetchrow(
        f"select {_COLUMNS} from stations where charge_point_id = $1",  # noqa: S608
        cp_id,
    )
    return _station(row) if row is not None else None


async def in_site(conn: Connection, site: str) -> list[Station]:
    rows = await conn.fetch(
        f"""select {_COLUMNS} from stations where site = $1 and approval <> 'retired'
             order by charge_point_id""",  # noqa: S608
        site,
    )
    return [_station(row) for row in rows]


async def went_offline(conn: Connection, cp_id: str, at: datetime) -> None:
    """Keep the first moment of an outage; a second disconnect does not restart the debounce."""
    await conn.execute(
        """insert into stations (charge_point_id, online, offline_since) values ($1, false, $2)
           on conflict (charge_point_id) do update set
               online = false,
               offline_since = coalesce(stations.offline_since, excluded.offline_since),
               updated_at = now()""",
        cp_id,
        at,
    )


async def came_online(conn: Connection, cp_id: str, ocpp_version: str) -> None:
    await conn.execute(
        """insert into stations (charge_point_id, online, ocpp_version) values ($1, true, $2)
           on conflict (charge_point_id) do update set
               online = true, offline_since = null, offline_alerted = false,
               ocpp_version = excluded.ocpp_version, updated_at = now()""",
        cp_id,
        ocpp_version,
    )


async def claim_offline_beyond(conn: Connection, since: datetime) -> list[Station]:
    """Chargers offline since before `since` and not yet alerted; claimed by one replica."""
    rows = await conn.fetch(
        f"""with due as (
                select charge_point_id from stations
                 where offline_since is not null and offline_since <= $1 and not offline_alerted
                   and approval <> 'retired'
                 for update skip locked)
            update stations s set offline_alerted = true
              from due where s.charge_point_id = due.charge_point_id
            returning {", ".join("s." + c.strip() for c in _COLUMNS.split(","))}""",  # noqa: S608
        since,
    )
    return [_station(row) for row in rows]


async def mark_offline_alerted(conn: Connection, cp_id: str) -> None:
    await conn.execute(
        "update stations set offline_alerted = true where charge_point_id = $1", cp_id
    )
