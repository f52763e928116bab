"""Every test runs against the local stack that `make test` started (see tests/helpers)."""

from __future__ import annotations

import os

import pytest

from tests.helpers.stack import load_stack_env

load_stack_env()
# Every test module starts its services with new consumer groups; without a bound each would
# read the whole of every topic that all earlier tests wrote to (shared/inbox.py).
os.environ.setdefault("LADDA_KAFKA_NEW_GROUP_LOOKBACK_S", "300")
# Tests run many identity services side by side, each with users of its own, on the shared
# topics: each would answer every hold on payment.holds.v1 (a driver unknown to it: Invalid) and
# the last answer wins at the charger. Only the tests about holds turn it on, each reading holds
# from a topic of its own.
os.environ.setdefault("LADDA_IDENTITY_DECIDE_HOLD_TOKENS", "false")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that restart PostgreSQL or Kafka run last, so they cannot disturb the others."""
    items.sort(key=lambda item: item.get_closest_marker("disruptive") is not None)
