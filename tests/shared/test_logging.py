"""Log lines are JSON with the correlation id, and secret-looking fields never appear."""

from __future__ import annotations

import json

import pytest
import structlog

from shared.logging import configure_logging, correlation_id


def test_secrets_are_redacted_and_correlation_id_is_carried(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("test", fmt="json")
    token = correlation_id.set("corr-123")
    try:
        structlog.get_logger("t").info(
            "auth.login.failed",
            email="driver@example.com",
            password="hunter2-secret",
            refresh_token="rt-abc",
            authorization="Bearer eyJ...",
            card_number="4242424242424242",
        )
    finally:
        correlation_id.reset(token)
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["event"] == "auth.login.failed"
    assert line["correlation_id"] == "corr-123"
    assert line["service"] == "test"
    for key in ("password", "refresh_token", "authorization", "card_number"):
        assert line[key] == "[redacted]"
    assert "hunter2" not in json.dumps(line) and "4242" not in json.dumps(line)


def test_garbage_collection_pauses_are_measured() -> None:
    import gc

    from shared.health import GC_PAUSE, watch_gc_pauses

    watch_gc_pauses()
    watch_gc_pauses()  # idempotent: one callback however many apps start in a process
    before = GC_PAUSE.labels("2")._sum.get()
    gc.collect(2)
    assert sum(1 for callback in gc.callbacks if callback.__name__ == "_gc_timer") == 1
    assert GC_PAUSE.labels("2")._sum.get() > before
