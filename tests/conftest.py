"""Every test runs against the local stack that `make test` started (see tests/helpers)."""

from __future__ import annotations

import pytest

from tests.helpers.stack import load_stack_env

load_stack_env()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that restart PostgreSQL or Kafka run last, so they cannot disturb the others."""
    items.sort(key=lambda item: item.get_closest_marker("disruptive") is not None)
