"""POST /v1/auth/token (client credentials) and /v1/auth/clients (admins manage accounts)."""

from __future__ import annotations

import json
import uuid
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse

from services.identity.clients import service
from services.identity.clients.schemas import Client, ClientToken, CreatedClient, NewClient
from services.identity.context import ActivePrincipal, ClientAddress, IdentityDep, refusal
from shared.problems import DomainError, Invalid
from shared.service import DbConn

router = APIRouter(prefix="/v1/auth", tags=["service accounts"])


async def _token_request(request: Request) -> dict[str, str]:
    """RFC 6749 §4.4: form-encoded (also accepted as JSON for convenience)."""
    raw = await request.body()
    if len(raw) > 4096:
        raise Invalid("The token request is too large.")
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            raise Invalid("The token request is not valid JSON.") from None
        if not isinstance(data, dict):
            raise Invalid("The token request must be an object.")
        return {str(k): str(v) for k, v in data.items()}
    return {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}


@router.post(
    "/token",
    response_model=ClientToken,
    responses={401: {"description": "The client credentials are not valid."}},
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["grant_type", "client_id", "client_secret"],
                        "properties": {
                            "grant_type": {"type": "string", "enum": ["client_credentials"]},
                            "client_id": {"type": "string"},
                            "client_secret": {"type": "string"},
                            "scope": {
                                "type": "string",
                                "description": "space-separated; a subset of the client's scopes",
                            },
                        },
                    }
                }
            }
        }
    },
)
async def client_token(
    request: Request, conn: DbConn, identity: IdentityDep, address: ClientAddress
) -> ClientToken | JSONResponse:
    form = await _token_request(request)
    if form.get("grant_type") != "client_credentials":
        raise Invalid("Only grant_type=client_credentials is supported here.")
    client_id, client_secret = form.get("client_id"), form.get("client_secret")
    if not client_id or not client_secret:
        raise Invalid("client_id and client_secret are required.")
    outcome = await service.client_credentials_token(
        conn,
        identity,
        client_id=client_id,
        client_secret=client_secret,
        requested_scope=form.get("scope"),
        address=address,
    )
    return refusal(outcome) if isinstance(outcome, DomainError) else outcome


@router.post("/clients", status_code=status.HTTP_201_CREATED, response_model=CreatedClient)
async def create_client(
    body: NewClient, conn: DbConn, caller: ActivePrincipal, address: ClientAddress
) -> CreatedClient:
    row, secret = await service.create_client(conn, caller, body.name, list(body.scopes), address)
    return CreatedClient(**Client.from_row(row).model_dump(), client_secret=secret)


@router.get("/clients", response_model=list[Client])
async def list_clients(conn: DbConn, caller: ActivePrincipal) -> list[Client]:
    return [Client.from_row(row) for row in await service.list_clients(conn, caller)]


@router.post("/clients/{account_id}/disable", response_model=Client)
async def disable_client(
    account_id: uuid.UUID, conn: DbConn, caller: ActivePrincipal, address: ClientAddress
) -> Client:
    return Client.from_row(await service.set_status(conn, caller, account_id, "disabled", address))


@router.post("/clients/{account_id}/enable", response_model=Client)
async def enable_client(
    account_id: uuid.UUID, conn: DbConn, caller: ActivePrincipal, address: ClientAddress
) -> Client:
    return Client.from_row(await service.set_status(conn, caller, account_id, "active", address))
