"""Id-tokens restricted to one connector and one transaction (payment's hold tokens).

Identity's decision for such a token names a charger, a connector and `single_use`; this module
keeps those restrictions beside the local copy of decisions and applies them when a token is
authorised: elsewhere it is Invalid, and once a transaction was accepted with it, any other
start is Invalid too (the transaction itself, replayed after a reconnect, is recognised before
authorisation and keeps its answer).
"""

from __future__ import annotations

from shared.db import Connection
from shared.events.identity import IdTokenDecisionChanged


async def apply(conn: Connection, uid: str, event: IdTokenDecisionChanged) -> None:
    """Keep the event's restriction under `uid`, the token's canonical spelling (the one
    `refusal` is asked with)."""
    if event.charge_point_id is None:
        await conn.execute("delete from id_token_restrictions where uid = $1", uid)
        return
    await conn.execute(
        """insert into id_token_restrictions (uid, charge_point_id, connector_id, single_use)
           values ($1, $2, $3, $4)
           on conflict (uid) do update set charge_point_id = excluded.charge_point_id,
               connector_id = excluded.connector_id, single_use = excluded.single_use""",
        uid,
        event.charge_point_id,
        event.connector_id,
        event.single_use,
    )


async def refusal(
    conn: Connection,
    uid: str,
    cp_id: str,
    connector_id: int | None,
    transaction_id: str | None,
) -> str | None:
    """The status to answer instead of Accepted, or None when the restrictions allow it."""
    row = await conn.fetchrow(
        "select charge_point_id, connector_id, single_use from id_token_restrictions where uid = $1",
        uid,
    )
    if row is None:
        return None
    if row["charge_point_id"] != cp_id:
        return "Invalid"
    if connector_id is not None and row["connector_id"] not in (None, connector_id):
        return "Invalid"
    if row["single_use"]:
        used = await conn.fetchval(
            """select exists (select 1 from charging_sessions
                               where id_tag = $1 and auth_status = 'Accepted'
                                 and not (charge_point_id = $2 and transaction_id = coalesce($3, '')))""",
            uid,
            cp_id,
            transaction_id,
        )
        if used:
            return "Invalid"
    return None
