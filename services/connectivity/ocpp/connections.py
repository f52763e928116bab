"""The live charger connections of this replica, by charge point id."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.connectivity.ocpp.connection import CentralSystemConnection


class Connections:
    """At most one connection per charger: a newer one replaces the older (e.g. after a NAT
    reset), whose close must then not mark the charger offline."""

    def __init__(self) -> None:
        self._by_id: dict[str, CentralSystemConnection] = {}

    def get(self, cp_id: str) -> CentralSystemConnection | None:
        return self._by_id.get(cp_id)

    def __getitem__(self, cp_id: str) -> CentralSystemConnection:
        return self._by_id[cp_id]

    def __contains__(self, cp_id: object) -> bool:
        return cp_id in self._by_id

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def values(self) -> list[CentralSystemConnection]:
        return list(self._by_id.values())

    def attach(self, conn: CentralSystemConnection) -> CentralSystemConnection | None:
        """Register a connection; the one it replaces, if any."""
        previous = self._by_id.get(conn.id)
        self._by_id[conn.id] = conn
        return previous

    def detach(self, conn: CentralSystemConnection) -> bool:
        """Forget the connection; false when a newer connection of the charger replaced it."""
        if self._by_id.get(conn.id) is conn:
            del self._by_id[conn.id]
            return True
        return False

    def clear(self) -> list[CentralSystemConnection]:
        """Forget every connection (shutdown); the ones that were open."""
        connections = list(self._by_id.values())
        self._by_id.clear()
        return connections
