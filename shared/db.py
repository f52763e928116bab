"""asyncpg pool and the migration runner (ordered SQL files, each applied once, recorded)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import asyncpg
import structlog
from asyncpg.pool import PoolConnectionProxy

# What handlers and repositories receive: a plain connection or one borrowed from a pool.
Connection = asyncpg.Connection | PoolConnectionProxy

log = structlog.get_logger(__name__)

SHARED_MIGRATIONS = Path(__file__).parent / "migrations"
# Any fixed number works; it only serialises migration runs of replicas of one service.
_MIGRATION_LOCK = 7_410_001
# A migration may rewrite or scan a big table: not bound by the pool's 30 s command timeout.
MIGRATION_TIMEOUT_S = 6 * 3600.0


async def _init_connection(conn: Connection) -> None:
    for json_type in ("json", "jsonb"):
        await conn.set_type_codec(
            json_type, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )


async def create_pool(
    dsn: str, *, min_size: int = 1, max_size: int = 10, command_timeout: float = 30
) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        command_timeout=command_timeout,
        timeout=5,
    )
    assert pool is not None
    return pool


def _migration_files(folders: Sequence[Path]) -> list[tuple[str, Path]]:
    """Shared tables first, then the service's own, each folder in file-name order."""
    files: list[tuple[str, Path]] = []
    for folder in folders:
        scope = "shared" if folder == SHARED_MIGRATIONS else folder.parent.name
        files += [(f"{scope}/{path.name}", path) for path in sorted(folder.glob("*.sql"))]
    return files


async def migrate(pool: asyncpg.Pool, migrations: Path) -> list[str]:
    """Apply the shared and the service's pending migrations; returns the versions applied."""
    applied: list[str] = []
    async with pool.acquire() as conn:
        await conn.execute("select pg_advisory_lock($1)", _MIGRATION_LOCK)
        try:
            await conn.execute(
                """create table if not exists schema_migrations (
                       version    text primary key,
                       checksum   text not null,
                       applied_at timestamptz not null default now())"""
            )
            done = {
                row["version"]: row["checksum"]
                for row in await conn.fetch("select version, checksum from schema_migrations")
            }
            for version, path in _migration_files([SHARED_MIGRATIONS, migrations]):
                sql = path.read_text()
                checksum = hashlib.sha256(sql.encode()).hexdigest()
                if version in done:
                    if done[version] != checksum:
                        raise RuntimeError(f"migration {version} changed after it was applied")
                    continue
                async with conn.transaction():
                    await conn.execute(sql, timeout=MIGRATION_TIMEOUT_S)
                    await conn.execute(
                        "insert into schema_migrations (version, checksum) values ($1, $2)",
                        version,
                        checksum,
                    )
                applied.append(version)
                log.info("db.migration.applied", version=version)
        finally:
            await conn.execute("select pg_advisory_unlock($1)", _MIGRATION_LOCK)
    return applied
