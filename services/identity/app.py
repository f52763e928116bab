"""Composition root of the identity service: `create_app()` for uvicorn (`--factory`)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.identity import events, holds
from services.identity.accounts import auth_router, users_router
from services.identity.accounts.service import ensure_bootstrap_admin
from services.identity.audit import router as audit_router
from services.identity.clients import router as clients_router
from services.identity.clients.service import ensure_bootstrap_clients
from services.identity.context import Identity
from services.identity.id_tokens import router as id_tokens_router
from services.identity.keys import router as keys_router
from services.identity.keys.service import SigningKeys
from services.identity.mails import router as mails_router
from services.identity.passwords import Passwords
from services.identity.settings import Settings
from shared.service import ServiceRuntime, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    holder: dict[str, Identity] = {}

    async def on_database_ready(runtime: ServiceRuntime) -> None:
        identity = holder["identity"]
        async with runtime.transaction() as conn:
            await identity.keys.ensure_active(conn)
        async with runtime.transaction() as conn:
            await ensure_bootstrap_admin(conn, identity)
        async with runtime.transaction() as conn:
            await ensure_bootstrap_clients(conn, identity)

    runtime = ServiceRuntime(
        name="identity",
        settings=settings,
        migrations=MIGRATIONS,
        consumers=lambda rt: [
            *events.consumers(rt),
            *(holds.consumers(rt, settings.holds_topic) if settings.decide_hold_tokens else []),
        ],
        background=lambda rt: events.background(holder["identity"])(rt),
        on_database_ready=on_database_ready,
    )
    keys = SigningKeys(
        runtime,
        passphrase=settings.signing_key_passphrase,
        access_token_ttl_s=settings.access_token_ttl_s,
    )
    identity = holder["identity"] = Identity(
        settings=settings,
        keys=keys,
        passwords=Passwords(
            time_cost=settings.argon2_time_cost,
            memory_kib=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
            max_concurrent=settings.argon2_max_concurrent,
        ),
    )
    app = create_service_app(
        runtime=runtime,
        title="Ladda identity",
        description=(
            "Users, roles, credentials, signing keys (JWKS), RFID/app id-tokens and the "
            "charging authorisation decision."
        ),
        # The audit log's fixed path comes before /v1/users/{user_id}.
        routers=[
            keys_router.router,
            auth_router.router,
            mails_router.router,
            clients_router.router,
            audit_router.router,
            users_router.router,
            id_tokens_router.router,
        ],
        key_source=keys,
    )
    app.state.identity = identity
    return app
