"""Events of the operations service on `operations.alerts.v1`: alert changes and maintenance windows.

Alert events are keyed by charge point id (or by the alert id when no charger is concerned), so
one charger's alerts stay in order. Notifications decides who is told; booking reads the
maintenance windows and stops offering the slots they cover.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import Field

from shared.events.envelope import EventPayload
from shared.events.topics import OPERATIONS_ALERTS, Topic

Severity = Literal["low", "medium", "high"]
AlertStatus = Literal["open", "acknowledged", "resolved"]


class _AlertChange(EventPayload):
    topic: ClassVar[Topic] = OPERATIONS_ALERTS

    alert_id: str
    kind: str
    severity: Severity
    status: AlertStatus
    title: str
    charge_point_id: str | None
    connector_id: int | None = None
    site: str | None = None
    # What the rule knows: error code, vendor code, security event type, occurrences...
    details: dict[str, Any] = Field(default_factory=dict)
    at: datetime


class AlertOpened(_AlertChange):
    event_type: ClassVar[str] = "alert.opened"


class AlertAcknowledged(_AlertChange):
    event_type: ClassVar[str] = "alert.acknowledged"

    by: str
    note: str | None = None


class AlertResolved(_AlertChange):
    """Resolved by an operator (`by` set) or automatically when its condition cleared (`by` None)."""

    event_type: ClassVar[str] = "alert.resolved"

    by: str | None = None
    note: str | None = None
    automatically: bool = False


class MaintenanceWindowScheduled(EventPayload):
    """A connector (or, with `connector_id` None, the whole charger) is out of service for work.

    Published again with the same `window_id` when the window changes; `ends_at` None means
    "until the work order is closed". Booking offers no slot that overlaps an open window.
    """

    event_type: ClassVar[str] = "maintenance-window.scheduled"
    topic: ClassVar[Topic] = OPERATIONS_ALERTS

    window_id: str
    work_order_id: str
    charge_point_id: str
    connector_id: int | None = None
    site: str | None = None
    starts_at: datetime
    ends_at: datetime | None = None


class MaintenanceWindowEnded(EventPayload):
    """The work is done (or cancelled): the connector is offered again from `ended_at`."""

    event_type: ClassVar[str] = "maintenance-window.ended"
    topic: ClassVar[Topic] = OPERATIONS_ALERTS

    window_id: str
    work_order_id: str
    charge_point_id: str
    connector_id: int | None = None
    ended_at: datetime


class _InspectionReminder(EventPayload):
    """An inspection of a maintenance plan is coming due or is late (keyed by charge point id);
    notifications tells the operators subscribed to the site."""

    topic: ClassVar[Topic] = OPERATIONS_ALERTS

    inspection_id: str
    plan_id: str | None = None
    title: str
    charge_point_id: str
    site: str | None = None
    due_at: datetime
    at: datetime


class InspectionDue(_InspectionReminder):
    event_type: ClassVar[str] = "inspection.due"


class InspectionOverdue(_InspectionReminder):
    event_type: ClassVar[str] = "inspection.overdue"


class WorkOrderAssigned(EventPayload):
    """A work order was given to a technician (keyed by charge point id, or the work order id)."""

    event_type: ClassVar[str] = "work-order.assigned"
    topic: ClassVar[Topic] = OPERATIONS_ALERTS

    work_order_id: str
    title: str
    priority: str
    charge_point_id: str | None = None
    site: str | None = None
    assignee: str
    by: str | None = None
    at: datetime
