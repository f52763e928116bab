"""Every SQL statement on `driver_preferences`."""

from __future__ import annotations

from shared.db import Connection


async def choices(conn: Connection, user_id: str) -> dict[str, bool]:
    rows = await conn.fetch(
        "select kind, enabled from driver_preferences where user_id = $1", user_id
    )
    return {row["kind"]: row["enabled"] for row in rows}


async def save(conn: Connection, user_id: str, kinds: dict[str, bool]) -> None:
    await conn.executemany(
        """insert into driver_preferences (user_id, kind, enabled) values ($1, $2, $3)
           on conflict (user_id, kind) do update set enabled = excluded.enabled""",
        [(user_id, kind, enabled) for kind, enabled in kinds.items()],
    )


async def enabled(conn: Connection, user_id: str, kind: str) -> bool:
    value = await conn.fetchval(
        "select enabled from driver_preferences where user_id = $1 and kind = $2", user_id, kind
    )
    return True if value is None else bool(value)


async def forget(conn: Connection, user_id: str) -> None:
    await conn.execute("delete from driver_preferences where user_id = $1", user_id)
