"""Which connector an event counts for: 1.6's connectorId, 2.0.1's EVSE (as booking and
operations number them), so two EVSEs with a connector 1 each stay two connectors."""

from __future__ import annotations

from datetime import UTC, datetime

from services.analytics.ingest.repository import connector_of
from shared.events.chargepoints import ConnectorStatusChanged
from shared.events.charging import SessionStopped

AT = datetime(2026, 3, 29, 12, tzinfo=UTC)


def stopped(connector_id: int, evse_id: int | None) -> SessionStopped:
    return SessionStopped(
        session_id="S-1",
        charge_point_id="CP-1",
        connector_id=connector_id,
        evse_id=evse_id,
        transaction_id="T-1",
        id_tag=None,
        user_id=None,
        started_at=AT,
        stopped_at=AT,
        duration_s=0,
        energy_wh=0,
        stop_reason=None,
    )


def status(connector_id: int, evse_id: int | None) -> ConnectorStatusChanged:
    return ConnectorStatusChanged(
        charge_point_id="CP-1",
        connector_id=connector_id,
        evse_id=evse_id,
        status="Available",
        at=AT,
    )


def test_16_events_count_for_their_connector() -> None:
    assert connector_of(stopped(2, None)) == 2
    assert connector_of(status(0, None)) == 0


def test_201_events_count_for_their_evse() -> None:
    assert [connector_of(stopped(1, evse)) for evse in (1, 2)] == [1, 2]
    assert [connector_of(status(1, evse)) for evse in (1, 2)] == [1, 2]
