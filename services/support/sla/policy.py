"""The SLA of a ticket: targets per category and priority, a clock that counts business hours
and pauses while the ticket waits on the driver, and the breaches it finds.

`SlaState` is what a ticket row stores; every transition returns the next state. Deadlines are
stored as instants (computed in business hours when the clock (re)starts), so the queue can
filter on them in SQL; `elapsed_s` keeps the business seconds counted before the last pause.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from services.support.settings import Settings, SlaTarget
from services.support.sla.hours import BusinessHours


@dataclass(frozen=True)
class SlaState:
    elapsed_s: float = 0.0
    running_since: datetime | None = None
    first_response_at: datetime | None = None
    first_response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    first_response_breached_at: datetime | None = None
    resolution_breached_at: datetime | None = None


class SlaPolicy:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.hours = BusinessHours.of(
            settings.business_timezone,
            settings.business_days,
            settings.business_start,
            settings.business_end,
            settings.holidays,
        )

    def target(self, category: str, priority: str) -> SlaTarget:
        override = self._settings.sla_overrides.get(f"{category}:{priority}")
        return override or self._settings.sla_targets[priority]

    def elapsed(self, state: SlaState, now: datetime) -> float:
        if state.running_since is None:
            return state.elapsed_s
        return state.elapsed_s + self.hours.seconds_between(state.running_since, now)

    def _deadlines(self, state: SlaState, category: str, priority: str, now: datetime) -> SlaState:
        target = self.target(category, priority)
        first = None
        if state.first_response_at is None:
            first = self.hours.add(now, target.first_response_minutes * 60 - state.elapsed_s)
        resolution = self.hours.add(now, target.resolution_minutes * 60 - state.elapsed_s)
        return replace(state, first_response_due_at=first, resolution_due_at=resolution)

    def start(self, category: str, priority: str, now: datetime) -> SlaState:
        return self._deadlines(SlaState(running_since=now), category, priority, now)

    def mark_breaches(self, state: SlaState, now: datetime) -> SlaState:
        """Flag the deadlines that passed (a breach stays flagged, with the deadline it missed)."""
        first, resolution = state.first_response_breached_at, state.resolution_breached_at
        due = state.first_response_due_at
        if first is None and state.first_response_at is None and due is not None and due <= now:
            first = due
        due = state.resolution_due_at
        if resolution is None and due is not None and due <= now:
            resolution = due
        return replace(state, first_response_breached_at=first, resolution_breached_at=resolution)

    def stop(self, state: SlaState, now: datetime) -> SlaState:
        """Pause (pending) or stop (resolved): count the stretch, drop the deadlines."""
        state = self.mark_breaches(state, now)
        return replace(
            state,
            elapsed_s=self.elapsed(state, now),
            running_since=None,
            first_response_due_at=None,
            resolution_due_at=None,
        )

    def resume(self, state: SlaState, category: str, priority: str, now: datetime) -> SlaState:
        if state.running_since is not None:
            return state
        return self._deadlines(replace(state, running_since=now), category, priority, now)

    def retarget(self, state: SlaState, category: str, priority: str, now: datetime) -> SlaState:
        """The priority or category changed: a running clock gets the new targets."""
        if state.running_since is None:
            return state
        counted = replace(state, elapsed_s=self.elapsed(state, now), running_since=now)
        return self._deadlines(counted, category, priority, now)

    def responded(self, state: SlaState, now: datetime) -> SlaState:
        """Staff's first public reply: the first-response target is met or missed now."""
        if state.first_response_at is not None:
            return state
        state = self.mark_breaches(state, now)
        return replace(state, first_response_at=now, first_response_due_at=None)
