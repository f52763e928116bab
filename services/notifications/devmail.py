"""The local mail folder (`.local/mail/`, one .eml per mail written by `tools.devsmtp`), readable
at `/v1/notifications/dev/mails` so a newcomer sees what was sent. Admins only, and only where
`LADDA_NOTIFICATIONS_DEV_MAIL_DIR` is set (the local stack); elsewhere 404."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from services.notifications.access import AdminPrincipal
from shared.problems import NotFound

router = APIRouter(prefix="/v1/notifications/dev/mails", tags=["development"])


class DevMail(BaseModel):
    name: str
    message_id: str | None
    to: str | None
    subject: str | None
    date: str | None
    attachments: list[str]


def _folder(request: Request) -> Path:
    folder: str | None = request.app.state.settings.dev_mail_dir
    if not folder:
        raise NotFound("The development mail folder is not enabled here.")
    return Path(folder)


def _read(path: Path) -> EmailMessage:
    with path.open("rb") as handle:
        message = email.message_from_binary_file(handle, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


@router.get("")
async def list_mails(request: Request, _: AdminPrincipal, limit: int = 50) -> list[DevMail]:
    """The newest mails first."""
    files = sorted(_folder(request).glob("*.eml"), reverse=True)[: max(1, min(limit, 500))]
    mails = []
    for path in files:
        message = _read(path)
        mails.append(
            DevMail(
                name=path.name,
                message_id=message["Message-ID"],
                to=message["To"],
                subject=message["Subject"],
                date=message["Date"],
                attachments=[part.get_filename() or "" for part in message.iter_attachments()],
            )
        )
    return mails


@router.get(
    "/{name}",
    response_class=Response,
    responses={200: {"content": {"message/rfc822": {}}}},
)
async def read_mail(name: str, request: Request, _: AdminPrincipal) -> Response:
    folder = _folder(request)
    path = folder / name
    if "/" in name or not name.endswith(".eml") or not path.is_file():
        raise NotFound("No such mail.")
    return Response(path.read_bytes(), media_type="message/rfc822")
