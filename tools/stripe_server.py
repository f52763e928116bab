"""The local Stripe test server: localstripe's own server, its store kept in a file we choose.

    python -m tools.stripe_server --port 8420 --store .local/stripe/store.pickle

Why a launcher: localstripe 1.15.10 keeps its state by pickling the whole store to the
hard-coded path `/tmp/localstripe.pickle` (`Store.dump_to_disk` / `try_load_from_disk` in
`localstripe/resources.py`), one file for every localstripe process on the machine. A stack
that keeps PostgreSQL's and Kafka's data between runs needs Stripe's objects (customers, payment
methods, PaymentIntents) kept beside them, and a second stack (tests, the chaos run) must not
load or overwrite the first one's. So this module points that store at a file of the stack's
own and otherwise runs localstripe's server unchanged.

Writes as localstripe makes them, with two differences:
- localstripe dumps after every assignment into its store *and* after every write request
  (`save_store_middleware`); a single request assigns several objects (a confirmed
  PaymentIntent stores a charge and events), so only the dump after each PUT/POST/DELETE
  request is kept, plus one at shutdown for anything changed outside a request;
- each dump goes to a temporary file renamed over the store, so a process killed mid-write
  leaves the previous store intact instead of a truncated pickle that localstripe could not
  load again.
"""

from __future__ import annotations

import argparse
import logging
import os
import pickle
import socket
import sys
from pathlib import Path
from typing import Any

from aiohttp import web
from localstripe import resources, server


def keep_store_in(path: Path) -> None:
    """Redirect localstripe's one store object to `path` (instead of /tmp/localstripe.pickle)."""

    class StoreFile(resources.Store):  # type: ignore[misc]
        def try_load_from_disk(self) -> None:
            try:
                with path.open("rb") as f:
                    old = pickle.load(f)  # noqa: S301 (our own file, written by this module)
            except FileNotFoundError:
                return
            except (pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
                aside = path.with_name(path.name + ".unreadable")
                path.replace(aside)
                print(
                    f"[stripe] the store {path} could not be read ({exc!r}); moved to {aside}, "
                    "starting empty",
                    file=sys.stderr,
                    flush=True,
                )
                return
            self.clear()
            self.update(old)

        def dump_to_disk(self) -> None:
            partial = path.with_name(path.name + ".partial")
            with partial.open("wb") as f:
                # A plain dict: loadable by localstripe's own Store too (it `update`s from it).
                pickle.dump(dict(self), f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(partial, path)

        def __setitem__(self, key: str, value: Any) -> None:
            dict.__setitem__(self, key, value)

        def __delitem__(self, key: str) -> None:
            dict.__delitem__(self, key)

    path.parent.mkdir(parents=True, exist_ok=True)
    # `store` is imported by name all over localstripe: change its class, not the object.
    resources.store.__class__ = StoreFile


async def _dump_at_shutdown(app: web.Application) -> None:
    resources.store.dump_to_disk()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.stripe_server", description=__doc__)
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--store", type=Path, required=True, help="the store file (pickle)")
    parser.add_argument("--from-scratch", action="store_true", help="ignore the stored state")
    args = parser.parse_args(argv)
    keep_store_in(args.store.resolve())
    if not args.from_scratch:
        resources.store.try_load_from_disk()
    print(f"[stripe] store {args.store} with {len(resources.store)} objects", file=sys.stderr)
    server.app.on_shutdown.append(_dump_at_shutdown)
    # As localstripe's own start(): one socket for IPv4 and IPv6.
    sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("::", args.port))
    access = logging.getLogger("aiohttp.access")
    access.setLevel(logging.DEBUG)
    access.addHandler(logging.StreamHandler())
    web.run_app(server.app, sock=sock, access_log=access, print=None)


if __name__ == "__main__":
    main()
