"""The pods' `migrate` init step (deploy/container/migrate.py), against the real PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import sys

import asyncpg

from tests.helpers.stack import ROOT, fresh_database


async def _migrate(dsn: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LADDA_")}
    env |= {"LADDA_SUPPORT_DATABASE_URL": dsn, "PYTHONPATH": str(ROOT)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "deploy" / "container" / "migrate.py"),
        "services.support.app",
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode()


async def test_the_migrate_step_applies_a_services_migrations_once() -> None:
    dsn = await fresh_database("deploy_migrate_step")
    code, out = await _migrate(dsn)
    assert code == 0, out
    conn = await asyncpg.connect(dsn)
    try:
        versions = await conn.fetch("select version from schema_migrations order by version")
        assert "support/0001_tickets.sql" in {r["version"] for r in versions}
        assert await conn.fetchval("select to_regclass('outbox') is not null")
    finally:
        await conn.close()
    # A second pod (or the service itself at start) finds nothing left to do.
    code, out = await _migrate(dsn)
    assert code == 0 and "0 migration(s) applied" in out, out


async def test_the_migrate_step_fails_loudly_without_its_database() -> None:
    code, out = await _migrate("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert code != 0
    assert "Traceback" in out or "Error" in out
