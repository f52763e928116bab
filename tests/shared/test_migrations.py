"""Migrations apply in order from an empty database, once each, and refuse edited history."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.db import SHARED_MIGRATIONS, create_pool, migrate
from tests.helpers.stack import fresh_database


async def test_applied_once_in_order_and_edits_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_create.sql").write_text("create table things (id int primary key);")
    (folder / "0002_alter.sql").write_text("alter table things add column name text;")
    pool = await create_pool(await fresh_database("test_migrations"))
    try:
        applied = await migrate(pool, folder)
        shared = [f"shared/{path.name}" for path in sorted(SHARED_MIGRATIONS.glob("*.sql"))]
        assert applied == [
            *shared,  # the shared tables first (outbox, inbox, ...)
            f"{tmp_path.name}/0001_create.sql",  # recorded under the owning service's name
            f"{tmp_path.name}/0002_alter.sql",
        ]
        assert await migrate(pool, folder) == []
        await pool.execute("insert into things (id, name) values (1, 'x')")

        (folder / "0001_create.sql").write_text("create table things (id bigint primary key);")
        with pytest.raises(RuntimeError, match="changed after it was applied"):
            await migrate(pool, folder)
    finally:
        await pool.close()
