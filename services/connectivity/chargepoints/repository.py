"""Every SQL statement of the charge point registry, connector status and presence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from services.connectivity.chargepoints.reports import BootReport, StatusKey, StatusReport
from shared.db import Connection

_COLUMNS = """id, ocpp_version, vendor, model, serial_number, firmware_version, connectors,
              site_name, address, latitude, longitude, approval, security_profile, online,
              last_seen_at, last_boot_at, created_at, updated_at"""
_C_COLUMNS = ", ".join("c." + name.strip() for name in _COLUMNS.split(","))


async def insert(conn: Connection, values: dict[str, Any]) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""insert into charge_points
               (id, ocpp_version, vendor, model, serial_number, connectors, site_name, address,
                latitude, longitude, password_hash, security_profile)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            on conflict (id) do nothing
            returning {_COLUMNS}""",  # noqa: S608
        values["id"],
        values["ocpp_version"],
        values["vendor"],
        values["model"],
        values["serial_number"],
        values["connectors"],
        values["site_name"],
        values["address"],
        values["latitude"],
        values["longitude"],
        values["password_hash"],
        values["security_profile"],
    )


async def upsert_seeded(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> list[asyncpg.Record]:
    """Batch upsert of seed chargers (approved); one statement for thousands of rows."""
    return await conn.fetch(
        f"""insert into charge_points
               (id, ocpp_version, vendor, model, serial_number, connectors, site_name, address,
                latitude, longitude, password_hash, approval)
            select r.id, r.ocpp_version, r.vendor, r.model, r.serial_number, r.connectors,
                   r.site_name, r.address, r.latitude, r.longitude, r.password_hash, 'approved'
              from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[],
                          $7::text[], $8::text[], $9::float8[], $10::float8[], $11::text[])
                   as r(id, ocpp_version, vendor, model, serial_number, connectors, site_name,
                        address, latitude, longitude, password_hash)
            on conflict (id) do update set
                ocpp_version = excluded.ocpp_version, vendor = excluded.vendor,
                model = excluded.model, serial_number = excluded.serial_number,
                connectors = excluded.connectors, site_name = excluded.site_name,
                address = excluded.address, latitude = excluded.latitude,
                longitude = excluded.longitude, password_hash = excluded.password_hash,
                approval = 'approved', updated_at = now()
            returning {_COLUMNS}""",  # noqa: S608
        *[list(column) for column in zip(*rows, strict=True)],
    )


async def get(conn: Connection, cp_id: str, *, for_update: bool = False) -> asyncpg.Record | None:
    lock = " for update" if for_update else ""
    return await conn.fetchrow(f"select {_COLUMNS} from charge_points where id = $1{lock}", cp_id)  # noqa: S608


async def credentials_many(conn: Connection, cp_ids: Sequence[str]) -> dict[str, asyncpg.Record]:
    rows = await conn.fetch(
        """select id, password_hash, approval, security_profile
             from charge_points where id = any($1::text[])""",
        list(cp_ids),
    )
    return {row["id"]: row for row in rows}


async def connect_many(
    conn: Connection, cp_ids: Sequence[str], replica_id: str, connection_ids: Sequence[str]
) -> list[str]:
    """Claim presence and mark online; returns the chargers that were offline before."""
    await conn.execute(
        """insert into charge_point_presence (charge_point_id, replica_id, connection_id)
           select cp, $2, cid from unnest($1::text[], $3::text[]) as u(cp, cid)
           on conflict (charge_point_id) do update set replica_id = excluded.replica_id,
               connection_id = excluded.connection_id, connected_at = now()""",
        list(cp_ids),
        replica_id,
        list(connection_ids),
    )
    return await touch(conn, sorted(set(cp_ids)))


async def boot_many(conn: Connection, boots: Sequence[BootReport]) -> list[asyncpg.Record]:
    """Record BootNotifications, one per charger (the caller keeps each charger's last)."""
    return await conn.fetch(
        f"""with u as (select * from unnest($1::text[], $2::text[], $3::text[], $4::text[],
                                            $5::text[]) as u(id, vendor, model, serial, firmware)),
                 old as (select c.id, c.firmware_version from charge_points c
                           join u on u.id = c.id order by c.id for update of c)
            update charge_points c set vendor = u.vendor, model = u.model,
                   serial_number = coalesce(u.serial, c.serial_number),
                   firmware_version = coalesce(u.firmware, c.firmware_version),
                   last_boot_at = now(), last_seen_at = now(), online = true
              from u join old on old.id = u.id
             where c.id = u.id
         returning {_C_COLUMNS}, old.firmware_version as previous_firmware""",  # noqa: S608
        [b.cp_id for b in boots],
        [b.vendor for b in boots],
        [b.model for b in boots],
        [b.serial_number for b in boots],
        [b.firmware_version for b in boots],
    )


async def list_all(
    conn: Connection, *, approval: str | None, online: bool | None, limit: int, offset: int
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""select {_COLUMNS} from charge_points
             where ($1::text is null or approval = $1) and ($2::bool is null or online = $2)
             order by id limit $3 offset $4""",  # noqa: S608
        approval,
        online,
        limit,
        offset,
    )


async def update(conn: Connection, cp_id: str, changes: dict[str, Any]) -> asyncpg.Record | None:
    allowed = {
        "vendor",
        "model",
        "serial_number",
        "connectors",
        "site_name",
        "address",
        "latitude",
        "longitude",
        "ocpp_version",
        "approval",
        "password_hash",
        "firmware_version",
        "security_profile",
    }
    names = [name for name in changes if name in allowed]
    if not names:
        return await get(conn, cp_id)
    assignments = ", ".join(f"{name} = ${i + 2}" for i, name in enumerate(names))
    return await conn.fetchrow(
        f"update charge_points set {assignments}, updated_at = now() where id = $1 "  # noqa: S608
        f"returning {_COLUMNS}",
        cp_id,
        *[changes[name] for name in names],
    )


async def mark_offline(conn: Connection, cp_id: str) -> bool:
    return bool(
        await conn.fetchval(
            "update charge_points set online = false where id = $1 and online returning true",
            cp_id,
        )
    )


async def touch(conn: Connection, cp_ids: Sequence[str]) -> list[str]:
    """Record that these chargers were heard from; returns those that had been marked offline."""
    rows = await conn.fetch(
        """with prev as (select id, online from charge_points
                          where id = any($1::text[]) order by id for update)
           update charge_points c set last_seen_at = now(), online = true
             from prev where c.id = prev.id
           returning c.id, prev.online as was_online""",
        list(cp_ids),
    )
    return [row["id"] for row in rows if not row["was_online"]]


async def sweep_offline(conn: Connection, older_than_s: float) -> list[str]:
    rows = await conn.fetch(
        """update charge_points set online = false
            where online and last_seen_at < now() - make_interval(secs => $1)
            returning id""",
        older_than_s,
    )
    return [row["id"] for row in rows]


async def current_statuses(
    conn: Connection, keys: Sequence[StatusKey]
) -> dict[StatusKey, tuple[str, str | None]]:
    """The current status of each (charge point, EVSE or 0, connector), locked."""
    rows = await conn.fetch(
        """select s.charge_point_id, coalesce(s.evse_id, 0) as evse, s.connector_id, s.status,
                  s.error_code
             from connector_status s
             join unnest($1::text[], $2::int[], $3::int[]) as k(cp, evse, connector)
               on s.charge_point_id = k.cp and coalesce(s.evse_id, 0) = k.evse
              and s.connector_id = k.connector
            order by s.charge_point_id, evse, s.connector_id
              for update of s""",
        [k[0] for k in keys],
        [k[1] for k in keys],
        [k[2] for k in keys],
    )
    return {
        (row["charge_point_id"], row["evse"], row["connector_id"]): (
            row["status"],
            row["error_code"],
        )
        for row in rows
    }


def _status_columns(reports: Sequence[StatusReport]) -> list[list[Any]]:
    return [
        [r.cp_id for r in reports],
        [r.connector_id for r in reports],
        [r.evse_id for r in reports],
        [r.status for r in reports],
        [r.error_code for r in reports],
        [r.info for r in reports],
        [r.vendor_error_code for r in reports],
        [r.at for r in reports],
    ]


async def record_statuses(conn: Connection, reports: Sequence[StatusReport]) -> None:
    """Reports in arrival order: history rows for all, the current status from the last of
    each connector."""
    await conn.execute(
        """insert into connector_status_history
               (charge_point_id, connector_id, evse_id, status, error_code, info,
                vendor_error_code, at)
           select * from unnest($1::text[], $2::int[], $3::int[], $4::text[], $5::text[],
                                $6::text[], $7::text[], $8::timestamptz[])""",
        *_status_columns(reports),
    )
    latest = list({r.key: r for r in reports}.values())
    await conn.execute(
        """insert into connector_status
               (charge_point_id, connector_id, evse_id, status, error_code, info,
                vendor_error_code, changed_at)
           select * from unnest($1::text[], $2::int[], $3::int[], $4::text[], $5::text[],
                                $6::text[], $7::text[], $8::timestamptz[])
           on conflict (charge_point_id, (coalesce(evse_id, 0)), connector_id) do update set
               status = excluded.status, error_code = excluded.error_code, info = excluded.info,
               vendor_error_code = excluded.vendor_error_code,
               changed_at = excluded.changed_at""",
        *_status_columns(latest),
    )


async def connector_status(conn: Connection, cp_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "select connector_id, evse_id, status, error_code, info, vendor_error_code, changed_at "
        "from connector_status where charge_point_id = $1 order by evse_id nulls first, "
        "connector_id",
        cp_id,
    )


async def status_history(conn: Connection, cp_id: str, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "select connector_id, evse_id, status, error_code, info, vendor_error_code, at "
        "from connector_status_history "
        "where charge_point_id = $1 order by id desc limit $2",
        cp_id,
        limit,
    )


async def insert_security_event(
    conn: Connection, cp_id: str | None, kind: str, detail: str | None
) -> None:
    await conn.execute(
        "insert into security_events (charge_point_id, kind, detail) values ($1, $2, $3)",
        cp_id,
        kind,
        detail,
    )


async def sites(conn: Connection) -> list[asyncpg.Record]:
    return await conn.fetch(
        """select cp.site_name, min(cp.address) as address, avg(cp.latitude) as latitude,
                  avg(cp.longitude) as longitude, count(distinct cp.id) as charge_points,
                  coalesce(sum(cp.connectors), 0) as connectors_total,
                  coalesce(sum((select count(*) from connector_status cs
                                 where cs.charge_point_id = cp.id and cs.connector_id > 0
                                   and cs.status = 'Available' and cp.online)), 0)
                      as connectors_available
             from charge_points cp
            where cp.approval = 'approved'
            group by cp.site_name
            order by cp.site_name nulls last"""
    )


# -- presence of chargers on replicas ----------------------------------------------------------


async def heartbeat_replica(conn: Connection, replica_id: str) -> None:
    await conn.execute(
        """insert into replicas (replica_id, heartbeat_at) values ($1, now())
           on conflict (replica_id) do update set heartbeat_at = now()""",
        replica_id,
    )


async def release_presence(conn: Connection, cp_id: str, connection_id: str) -> bool:
    """Drop the presence row if it still names this connection (not a newer one)."""
    return bool(
        await conn.fetchval(
            "delete from charge_point_presence where charge_point_id = $1 and connection_id = $2 "
            "returning true",
            cp_id,
            connection_id,
        )
    )


async def holder(conn: Connection, cp_id: str, stale_s: float) -> str | None:
    """The live replica holding the charger's connection, if any."""
    value = await conn.fetchval(
        """select p.replica_id from charge_point_presence p
             join replicas r on r.replica_id = p.replica_id
            where p.charge_point_id = $1
              and r.heartbeat_at > now() - make_interval(secs => $2)""",
        cp_id,
        stale_s,
    )
    return str(value) if value is not None else None


async def drop_replica(conn: Connection, replica_id: str) -> list[str]:
    """Forget a stopping replica and its connections; the chargers it held, now offline."""
    await conn.execute("delete from replicas where replica_id = $1", replica_id)
    rows = await conn.fetch(
        """with gone as (delete from charge_point_presence where replica_id = $1
                         returning charge_point_id)
           update charge_points set online = false
            where id in (select charge_point_id from gone) and online
           returning id""",
        replica_id,
    )
    return [row["id"] for row in rows]
