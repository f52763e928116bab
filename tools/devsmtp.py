"""A local SMTP server for development and tests: every mail lands in a folder as one .eml file.

    python -m tools.devsmtp --port 2525 --dir .local/mail

Built on aiosmtpd. Files are named `<receive time ns>-<Message-ID>.eml`, so the folder reads in
arrival order and a mail sent twice under one Message-ID shows as two files with that id.
Not for production: it accepts anything from anyone on its address.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import re
import time
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session


class FolderHandler:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        message_id = re.sub(r"[^A-Za-z0-9@._-]", "", str(message["Message-ID"] or "no-id"))
        path = self.folder / f"{time.time_ns()}-{message_id}.eml"
        partial = path.with_suffix(".part")
        partial.write_bytes(raw)
        partial.rename(path)  # readers never see half a mail
        return "250 Message accepted for delivery"


async def serve(host: str, port: int, folder: Path) -> None:
    handler = FolderHandler(folder)
    loop = asyncio.get_running_loop()

    def factory() -> Any:
        return SMTP(handler, enable_SMTPUTF8=True, decode_data=False)

    server = await loop.create_server(factory, host=host, port=port)
    print(f"devsmtp: listening on {host}:{port}, mails in {folder}", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--dir", default=".local/mail")
    args = parser.parse_args()
    Path(args.dir).mkdir(parents=True, exist_ok=True)
    asyncio.run(serve(args.host, args.port, Path(args.dir)))


if __name__ == "__main__":
    main()
