"""Which service owns a path, which routes are public, and which roles a route group needs.

Lookups run on every request, so they are dictionary lookups over the path's own prefixes
(`/v1/stats/me`, `/v1/stats`, `/v1`), longest first, instead of a scan over the table.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass


def _prefixes(path: str) -> Iterator[str]:
    """`/v1/stats/me/x` -> `/v1/stats/me/x`, `/v1/stats/me`, `/v1/stats`, `/v1`."""
    path = path.rstrip("/") or "/"
    while path:
        yield path
        cut = path.rfind("/")
        if cut <= 0:
            return
        path = path[:cut]


def _normalise(prefix: str) -> str:
    return prefix.rstrip("/") or "/"


@dataclass(frozen=True, slots=True)
class Route:
    """The routing table's answer for a path: the owning service and the matched prefix."""

    prefix: str
    service: str


class RoutingTable:
    def __init__(self, routes: Mapping[str, str]) -> None:
        self._routes = {_normalise(p): Route(_normalise(p), s) for p, s in routes.items()}

    def match(self, path: str) -> Route | None:
        routes = self._routes
        for prefix in _prefixes(path):
            route = routes.get(prefix)
            if route is not None:
                return route
        return None

    def service_for(self, path: str) -> str | None:
        route = self.match(path)
        return route.service if route is not None else None


class AccessPolicy:
    """The public allow-list and the coarse role groups, from settings."""

    def __init__(self, public_routes: Sequence[str], role_groups: Mapping[str, Sequence[str]]):
        self._public_exact: set[tuple[str, str]] = set()
        self._public_trees: set[tuple[str, str]] = set()
        for entry in public_routes:
            method, _, pattern = entry.strip().partition(" ")
            method, pattern = method.upper(), pattern.strip()
            if not pattern.startswith("/"):
                raise ValueError(f"public route {entry!r} is not 'METHOD /path'")
            if pattern.endswith("/**"):
                self._public_trees.add((method, _normalise(pattern[:-3])))
            else:
                self._public_exact.add((method, _normalise(pattern)))
        self._roles = {_normalise(p): frozenset(r) for p, r in role_groups.items()}

    def is_public(self, method: str, path: str) -> bool:
        if method == "HEAD":
            method = "GET"
        if (method, _normalise(path)) in self._public_exact:
            return True
        if not self._public_trees:
            return False
        return any((method, prefix) in self._public_trees for prefix in _prefixes(path))

    def roles_for(self, path: str) -> frozenset[str] | None:
        """The roles a route group needs (any one of them), or None when a valid token is enough."""
        if not self._roles:
            return None
        for prefix in _prefixes(path):
            roles = self._roles.get(prefix)
            if roles is not None:
                return roles
        return None


class RouteTimeouts:
    """Upstream timeouts for single operations ("METHOD /v1/x/*/y", `*` matches one segment)."""

    def __init__(self, timeouts: Mapping[str, float]) -> None:
        self._rules: list[tuple[str, tuple[str, ...], float]] = []
        for entry, seconds in timeouts.items():
            method, _, pattern = entry.strip().partition(" ")
            if not pattern.strip().startswith("/"):
                raise ValueError(f"route timeout {entry!r} is not 'METHOD /path'")
            segments = tuple(_normalise(pattern.strip()).split("/"))
            self._rules.append((method.upper(), segments, seconds))

    def for_request(self, method: str, path: str) -> float | None:
        if not self._rules:
            return None
        segments = _normalise(path).split("/")
        for rule_method, pattern, seconds in self._rules:
            if rule_method == method and len(pattern) == len(segments):
                pairs = zip(pattern[1:], segments[1:], strict=True)
                if all(seg and rule in ("*", seg) for rule, seg in pairs):
                    return seconds
        return None
