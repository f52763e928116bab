"""Transaction-related messages, queued and delivered in order, across connections.

OCPP 1.6 §3.7 (and 4.7 / 4.10) and 2.0.1 (E. Transactions, "offline behaviour"): a charger
queues StartTransaction, MeterValues of a transaction and StopTransaction (2.0.1:
TransactionEvent) while it cannot reach the central system, and delivers them in the order
they happened once it can. Each message is a snapshot taken when it happened (timestamp,
register, power, SoC); only the 1.6 transaction id is filled in on delivery, from the answer
to the StartTransaction queued ahead of it.

Delivery (one connection at a time, `deliver`):
- a message is removed from the queue only once the central system answered it;
- a lost connection or a timeout leaves it at the head: it goes again (the central system
  recognises a repeated start);
- a CALLERROR is a refusal: tried `attempts` times with `retry_s` between, then dropped.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ocpp.exceptions import OCPPError

from shared.clock import ocpp_time

if TYPE_CHECKING:
    from tools.simulator.station import ActiveSession

Kind = Literal["start", "meter", "stop"]


@dataclass(frozen=True)
class Reading:
    """The meter as it read at one moment."""

    timestamp: str
    meter_wh: int
    power_w: float
    soc_percent: float

    @classmethod
    def of(cls, session: ActiveSession) -> Reading:
        physics = session.physics
        return cls(ocpp_time(), physics.meter_wh, physics.power_w, physics.soc_percent)


@dataclass
class TxMessage:
    kind: Kind
    session: ActiveSession
    reading: Reading
    # 2.0.1: numbered when it happens, so a replay keeps its place in the transaction.
    seq_no: int = 0
    reservation_id: int | None = None
    # Queued while the charger had no connection (2.0.1 sends `offline: true`).
    offline: bool = False
    refusals: int = 0


class Outbox:
    """The FIFO of one charger's transaction messages."""

    def __init__(self) -> None:
        self._queue: deque[TxMessage] = deque()
        self._changed = asyncio.Event()

    def __len__(self) -> int:
        return len(self._queue)

    def put(self, message: TxMessage) -> None:
        self._queue.append(message)
        self._changed.set()

    def head(self) -> TxMessage | None:
        return self._queue[0] if self._queue else None

    def pop(self) -> None:
        self._queue.popleft()
        self._changed.set()

    def pending_for(self, session: ActiveSession) -> bool:
        return any(m.session is session for m in self._queue)

    async def changed(self) -> None:
        self._changed.clear()
        await self._changed.wait()

    async def drained(self, timeout_s: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while self._queue and loop.time() < deadline:
            await asyncio.sleep(0.05)
        return not self._queue


# Returns False for a message that cannot be sent any more (its transaction never started).
Send = Callable[[TxMessage], Awaitable[bool]]


async def deliver(
    outbox: Outbox,
    send: Send,
    *,
    attempts: int,
    retry_s: float,
    on_refused: Callable[[TxMessage, OCPPError], None],
    on_timeout: Callable[[TxMessage], None],
    on_dropped: Callable[[TxMessage], None],
    on_sent: Callable[[TxMessage], None],
) -> None:
    """Send the queue's messages one by one, forever; returns only by cancellation or by the
    connection's error (ConnectionClosed), leaving the unanswered message at the head."""
    while True:
        message = outbox.head()
        if message is None:
            await outbox.changed()
            continue
        try:
            sent = await send(message)
        except OCPPError as error:
            message.refusals += 1
            on_refused(message, error)
            if message.refusals >= attempts:
                outbox.pop()
                on_dropped(message)
            else:
                await asyncio.sleep(retry_s * message.refusals)
            continue
        except TimeoutError:
            on_timeout(message)
            continue
        outbox.pop()
        if sent:
            on_sent(message)
        else:
            on_dropped(message)
