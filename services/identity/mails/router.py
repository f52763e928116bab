"""Account mails: verify an address, reset a forgotten password (public, through the gateway);
issue a mail's recipient and link (service accounts with `account-mails:issue`, never routed
by the gateway)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, status
from fastapi.responses import Response

from services.identity.context import (
    ActivePrincipal,
    ClientAddress,
    IdentityDep,
    TransactionDep,
    user_id_of,
)
from services.identity.mails import service
from services.identity.mails.schemas import (
    Accepted,
    EmailVerification,
    IssuedMail,
    PasswordReset,
    PasswordResetRequest,
)
from shared.auth.jwt import Principal
from shared.auth.scopes import ACCOUNT_MAILS_SCOPE
from shared.problems import Forbidden
from shared.service import DbConn

router = APIRouter(tags=["account mails"])

_INVALID_LINK: dict[int | str, dict[str, Any]] = {
    422: {"description": "The link was used already, or it has expired"}
}


@router.post(
    "/v1/auth/verify-email", status_code=status.HTTP_204_NO_CONTENT, responses=_INVALID_LINK
)
async def verify_email(body: EmailVerification, conn: DbConn, address: ClientAddress) -> Response:
    await service.verify_email(conn, body.token, address)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/v1/auth/verify-email/resend", status_code=status.HTTP_202_ACCEPTED)
async def resend_verification(
    conn: DbConn, identity: IdentityDep, caller: ActivePrincipal
) -> Accepted:
    await service.resend_verification(conn, identity, user_id_of(caller))
    return Accepted()


@router.post("/v1/auth/password-reset", status_code=status.HTTP_202_ACCEPTED)
async def request_password_reset(
    body: PasswordResetRequest, conn: DbConn, identity: IdentityDep, address: ClientAddress
) -> Accepted:
    """Always 202 and the same body: the answer never tells whether the address has an account."""
    await service.request_password_reset(conn, identity, body.email, address)
    return Accepted()


@router.post(
    "/v1/auth/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_INVALID_LINK,
)
async def reset_password(
    body: PasswordReset, transaction: TransactionDep, identity: IdentityDep, address: ClientAddress
) -> Response:
    await service.reset_password(
        transaction, identity, token=body.token, new_password=body.new_password, address=address
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _mail_sender(caller: Principal) -> None:
    if not (caller.is_service and caller.has_scope(ACCOUNT_MAILS_SCOPE)):
        raise Forbidden(f"Only a service account with the scope {ACCOUNT_MAILS_SCOPE} may.")


@router.post(
    "/v1/account-mails/{mail_id}/issue",
    response_model=IssuedMail,
    responses={404: {"description": "No such mail"}, 410: {"description": "Not to be sent"}},
)
async def issue(
    mail_id: uuid.UUID, conn: DbConn, identity: IdentityDep, caller: ActivePrincipal
) -> IssuedMail:
    _mail_sender(caller)
    return await service.issue(conn, identity, mail_id)
