"""E-mail over SMTP: compose a MIME message (text + HTML, attachments) and send it.

Every message carries `Message-ID: <delivery id@domain>`: the same delivery sent again (a crash
between the server's acceptance and our record of it) has the same id, and receivers and
archives recognise it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

import aiosmtplib

from services.notifications.channels.outcomes import SendFailed, SendRefused
from services.notifications.settings import Settings
from shared.clock import utc_now


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str = "application"
    subtype: str = "pdf"


@dataclass(frozen=True)
class Mail:
    message_id: str
    to_address: str
    to_name: str | None
    subject: str
    text: str
    html: str
    attachments: list[Attachment] = field(default_factory=list)


def compose(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr((mail.to_name or "", mail.to_address))
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(utc_now())
    message["Message-ID"] = mail.message_id
    # RFC 3834: no auto-replies (vacation notices) to these.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    for attachment in mail.attachments:
        message.add_attachment(
            attachment.content,
            maintype=attachment.maintype,
            subtype=attachment.subtype,
            filename=attachment.filename,
        )
    return message


class Mailer:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def send(self, mail: Mail) -> None:
        settings = self._settings
        message = compose(mail, settings.mail_from)
        try:
            await aiosmtplib.send(
                message,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=(
                    settings.smtp_username.get_secret_value() if settings.smtp_username else None
                ),
                password=(
                    settings.smtp_password.get_secret_value() if settings.smtp_password else None
                ),
                use_tls=settings.smtp_tls,
                start_tls=settings.smtp_starttls,
                timeout=settings.smtp_timeout_s,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [error.code for error in exc.recipients]
            if all(code >= 500 for code in codes):
                raise SendRefused(f"recipient refused ({codes})") from None
            raise SendFailed(f"recipient deferred ({codes})") from None
        except aiosmtplib.SMTPDataError as exc:
            # The server refused this message's content for good (5xx) or for now (4xx).
            if exc.code >= 500:
                raise SendRefused(f"message refused (smtp {exc.code})") from None
            raise SendFailed(f"message deferred (smtp {exc.code})") from None
        except aiosmtplib.SMTPResponseException as exc:
            # Sender refused, authentication failed...: the server's or our configuration,
            # not this mail. Kept and retried until someone fixes it.
            raise SendFailed(f"smtp {exc.code}") from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise SendFailed(type(exc).__name__, connection=True) from None
