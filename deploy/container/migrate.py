"""Apply a service's pending database migrations, then exit (the pods' `migrate` init step).

    python /app/migrate.py services.identity.app

Reads the service's own settings (its DATABASE_URL and PGPASSWORD), takes the same advisory
lock as a starting service and applies what `shared.db.migrate` would; exits non-zero on error,
so a failing migration keeps the new pod in Init while the old ones keep serving.
"""

from __future__ import annotations

import asyncio
import importlib
import sys

from shared.db import create_pool, migrate


async def main(app_module: str) -> None:
    package = app_module.rsplit(".", 1)[0]
    app = importlib.import_module(app_module)
    settings = importlib.import_module(f"{package}.settings").Settings()
    pool = await create_pool(settings.database_url.get_secret_value(), min_size=1, max_size=1)
    try:
        applied = await migrate(pool, app.MIGRATIONS)
    finally:
        await pool.close()
    print(f"{package}: {len(applied)} migration(s) applied: {', '.join(applied) or 'none'}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
