"""Write-behind buffers: last-seen times, meter samples and frame-log rows, flushed in batches.

Heartbeats, meter samples and frames arrive far more often than anything else, so they are
written every `flush_interval_s` instead of one transaction per frame. Rules:

- A buffer is taken only for the write; rows the write did not store go back, so a failed
  flush (the database is down) loses nothing.
- A row the database refuses (a "poison" row that slipped past the edge checks) is isolated
  by splitting the write in halves down to single rows; it is quarantined (logged, counted and
  reported as a rate-limited security event) and every other row is written.
- Bounded memory: samples at most `ocpp_sample_buffer_max` (beyond it a charger's samples are
  written at once, in its own transaction: back-pressure, never loss); frame rows at most
  `ocpp_frame_buffer_max_bytes` (beyond it rows are counted as dropped: the frame log is a
  support log and must not take the replica's memory when the database is far behind).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import NamedTuple, TypeVar

import structlog

from services.connectivity.chargepoints import service as cp_service
from services.connectivity.framelog import repository as frame_repository
from services.connectivity.ocpp.batches import Transaction, is_outage
from services.connectivity.ocpp.redaction import redact
from services.connectivity.ocpp.security import SecurityEvents
from services.connectivity.sessions import service as session_service
from services.connectivity.sessions.schemas import Sample, TransactionSamples
from services.connectivity.settings import Settings

log = structlog.get_logger(__name__)

X = TypeVar("X")
# What one buffered frame row costs besides its text (tuple, datetime, strings), roughly.
FRAME_ROW_OVERHEAD = 256


class FrameRow(NamedTuple):
    """One frame-log row, in `ocpp_frames` column order (COPY takes it as it is)."""

    charge_point_id: str
    direction: str
    at: datetime
    message_type: int | None
    unique_id: str | None
    action: str | None
    payload: str


def storable_text(value: str) -> str:
    """Text PostgreSQL can store: NUL and lone surrogates escaped (frames are logged as sent)."""
    if value.isascii():
        return value.replace("\x00", "\\u0000") if "\x00" in value else value
    return value.encode("utf-8", "backslashreplace").decode().replace("\x00", "\\u0000")


async def isolate(
    rows: list[X],
    write: Callable[[list[X]], Awaitable[None]],
    split: Callable[[list[X]], tuple[list[X], list[X]]],
) -> tuple[list[X], list[X]]:
    """Write rows; on a refusal, halve until the refused rows are alone.

    Returns (poison, unwritten): rows the database refuses, and rows not written because the
    database became unreachable (to be kept for the next flush).
    """
    try:
        await write(rows)
    except Exception as exc:
        if is_outage(exc):
            log.warning("connectivity.flush_failed", error=repr(exc)[:300], rows=len(rows))
            return [], rows
        left, right = split(rows)
        if not right:
            log.error("connectivity.flush.poison_row", error=repr(exc)[:300])
            return rows, []
        poison, unwritten = await isolate(left, write, split)
        if unwritten:
            return poison, unwritten + right
        more, unwritten = await isolate(right, write, split)
        return poison + more, unwritten
    return [], []


def _halves(rows: list[X]) -> tuple[list[X], list[X]]:
    half = len(rows) // 2
    return rows[:half], rows[half:]


def _sample_halves(
    rows: list[TransactionSamples],
) -> tuple[list[TransactionSamples], list[TransactionSamples]]:
    if len(rows) > 1:
        return _halves(rows)
    only = rows[0]
    if len(only.samples) < 2:
        return rows, []
    half = len(only.samples) // 2
    return (
        [TransactionSamples(only.cp_id, only.transaction_id, only.samples[:half])],
        [TransactionSamples(only.cp_id, only.transaction_id, only.samples[half:])],
    )


class WriteBehind:
    def __init__(
        self,
        settings: Settings,
        transaction: Transaction,
        versions: Callable[[set[str]], dict[str, str]],
        security: SecurityEvents,
    ) -> None:
        self._settings = settings
        self._transaction = transaction
        self._versions = versions
        self._security = security
        self._touched: set[str] = set()
        self._samples: dict[tuple[str, str], list[Sample]] = {}
        self._sample_count = 0
        # Chargers with samples buffered or being written (a cheap test for write_samples_of).
        self._sampling: set[str] = set()
        self._frames: list[FrameRow] = []
        self._frame_bytes = 0
        self._frame_log_enabled = settings.frame_log_enabled
        self._frame_buffer_max_bytes = settings.ocpp_frame_buffer_max_bytes
        self.frames_dropped = 0
        self.rows_quarantined = 0
        self._lock = asyncio.Lock()

    # -- buffering (the hot path: no awaits) -------------------------------------------------

    def touch(self, cp_id: str) -> None:
        self._touched.add(cp_id)

    def queue_samples(self, cp_id: str, transaction_id: str, samples: list[Sample]) -> bool:
        """Buffer samples; False when the buffer is full (the caller writes them itself)."""
        if not samples:
            return True
        if self._sample_count + len(samples) > self._settings.ocpp_sample_buffer_max:
            return False
        self._samples.setdefault((cp_id, transaction_id), []).extend(samples)
        self._sample_count += len(samples)
        self._sampling.add(cp_id)
        return True

    async def take_samples(self, cp_id: str, transaction_id: str) -> list[Sample]:
        """The transaction's buffered samples, out of the buffer (StopTransaction writes them
        in its own transaction); waits for a flush in progress so none is missed."""
        async with self._lock:
            samples = self._samples.pop((cp_id, transaction_id), [])
            self._sample_count -= len(samples)
            return samples

    async def write_samples_of(self, cp_id: str) -> None:
        """Write one charger's buffered samples now (before its sessions may be closed as
        orphans: at a boot, or when a connector reports Available)."""
        if cp_id not in self._sampling:
            return
        async with self._lock:
            keys = [key for key in self._samples if key[0] == cp_id]
            rows = [TransactionSamples(cp, tx, self._samples.pop((cp, tx))) for cp, tx in keys]
            self._sample_count -= sum(len(row.samples) for row in rows)
            await self._write_sample_rows(rows)

    async def _write_sample_rows(self, rows: list[TransactionSamples]) -> bool:
        if not rows:
            return True
        poison, unwritten = await isolate(rows, self._write_samples, _sample_halves)
        for row in unwritten:
            self.return_samples(row.cp_id, row.transaction_id, row.samples)
        for row in poison:
            self._quarantine(row.cp_id, "meter_sample", f"transaction {row.transaction_id}")
        return not unwritten

    def return_samples(self, cp_id: str, transaction_id: str, samples: Sequence[Sample]) -> None:
        """Samples taken for a write that failed: buffered again (never dropped)."""
        if samples:
            self._samples.setdefault((cp_id, transaction_id), []).extend(samples)
            self._sample_count += len(samples)
            self._sampling.add(cp_id)

    def record(
        self,
        cp_id: str,
        direction: str,
        message_type: int | None,
        unique_id: str | None,
        action: str | None,
        text: str,
    ) -> None:
        """Buffer one frame-log row (two per call: the hot path, so the checks are inline)."""
        if not self._frame_log_enabled:
            return
        cost = len(text) + FRAME_ROW_OVERHEAD
        if self._frame_bytes + cost > self._frame_buffer_max_bytes:
            # The database is far behind; dropping support logs beats running out of memory.
            self.frames_dropped += 1
            return
        if unique_id is not None:
            if "\x00" in unique_id or not unique_id.isascii():
                unique_id = storable_text(unique_id)
            cost += len(unique_id)
        if action is not None and ("\x00" in action or not action.isascii()):
            action = storable_text(action)
        # Frame text came from a UTF-8 WebSocket frame or from our ASCII JSON encoder: only a
        # NUL can be unstorable in it.
        if "\x00" in text:
            text = storable_text(text)
        self._frame_bytes += cost
        self._frames.append(
            FrameRow(
                cp_id, direction, datetime.now(UTC), message_type, unique_id, action, redact(text)
            )
        )

    # -- flushing ----------------------------------------------------------------------------

    async def flush(self) -> bool:
        """Write what is buffered; false if some of it had to stay for the next flush."""
        async with self._lock:
            results = [
                await self._flush_touched(),
                await self._flush_samples(),
                await self._flush_frames(),
            ]
        if self.frames_dropped:
            log.warning("connectivity.frame_log.dropped", rows=self.frames_dropped)
            self.frames_dropped = 0
        return all(results)

    async def _flush_touched(self) -> bool:
        if not self._touched:
            return True
        touched, self._touched = self._touched, set()
        try:
            async with self._transaction() as conn:
                await cp_service.heard_from(conn, self._versions(touched))
        except Exception as exc:
            # Charger ids were checked at the handshake: whatever failed, it was not a row.
            log.warning("connectivity.flush_failed", buffer="last_seen", error=repr(exc)[:300])
            self._touched |= touched
            return False
        return True

    async def _write_samples(self, rows: list[TransactionSamples]) -> None:
        async with self._transaction() as conn:
            await session_service.record_transaction_samples(
                conn, rows, self._settings.session_update_interval_s
            )

    async def _flush_samples(self) -> bool:
        if not self._samples:
            return True
        pending, self._samples = self._samples, {}
        self._sample_count = 0
        rows = [TransactionSamples(cp, tx, samples) for (cp, tx), samples in pending.items()]
        written = await self._write_sample_rows(rows)
        self._sampling = {cp_id for cp_id, _ in self._samples}
        return written

    async def _write_frames(self, rows: list[FrameRow]) -> None:
        async with self._transaction() as conn:
            await frame_repository.insert_many(conn, rows)

    async def _flush_frames(self) -> bool:
        if not self._frames:
            return True
        rows, self._frames = self._frames, []
        self._frame_bytes = 0
        poison, unwritten = await isolate(rows, self._write_frames, _halves)
        for frame in poison:
            self._quarantine(frame.charge_point_id, "frame", frame.action)
        if unwritten:
            # Unwritten rows go back before the ones that arrived meanwhile (log order).
            arrived, used = self._frames, self._frame_bytes
            restored: list[FrameRow] = []
            for frame in unwritten:
                cost = len(frame.payload) + FRAME_ROW_OVERHEAD
                if used + cost > self._frame_buffer_max_bytes:
                    self.frames_dropped += 1
                    continue
                used += cost
                restored.append(frame)
            self._frames, self._frame_bytes = restored + arrived, used
        return not unwritten

    def _quarantine(self, cp_id: str, kind: str, detail: str | None) -> None:
        self.rows_quarantined += 1
        log.error("connectivity.flush.quarantined", charge_point_id=cp_id, row=kind)
        self._security.report(cp_id, cp_id, "unstorable_row", f"{kind}: {detail or ''}"[:200])
