"""Role-matrix tests: the roles every matrix walks, a compact way to write a matrix row, and one
walker that calls every route of a service as one caller and checks the matrix."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

# A service account holding no scope, and one holding every known scope.
ROLES = ("anonymous", "driver", "support", "operator", "admin", "service", "service+scopes")


def expect(default: object, **by_role: object) -> dict[str, object]:
    """The expected outcome for every role: `default` unless named (`service_scopes=` names
    "service+scopes")."""
    found = {role: default for role in ROLES}
    for role, outcome in by_role.items():
        name = role.replace("_scopes", "+scopes")
        assert name in found, f"unknown role {role}"
        found[name] = outcome
    return found


# -- walking a service's routes with one caller ------------------------------------------------
# A matrix maps (method, path template) to the callers allowed through authorisation (their
# names, e.g. "driver" or "service+stats:read"), or PUBLIC. The caller without a token is
# NO_TOKEN: it gets 401 where it is not allowed, every other caller 403.

PUBLIC = "public"
NO_TOKEN = "none"
Matrix = Mapping[tuple[str, str], AbstractSet[str] | str]


def _flatten(routes: Sequence[BaseRoute]) -> Iterator[BaseRoute]:
    """Every route, also inside included routers (FastAPI keeps those as one entry each)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _flatten(included.routes)
        else:
            yield route


def app_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every API route of the app, sorted."""
    return sorted(
        (method, route.path)
        for route in _flatten(app.routes)
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    )


def any_ids(path: str) -> str:
    """The path with a fresh UUID for every parameter (an object that does not exist)."""
    return re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path)


def empty_body_for_writes(method: str, path: str) -> object | None:
    return {} if method in ("POST", "PATCH") else None


async def walk(
    http: httpx.AsyncClient,
    routes: Sequence[tuple[str, str]],
    matrix: Matrix,
    caller: str,
    headers: Mapping[str, str],
    *,
    concrete: Callable[[str], str] = any_ids,
    body: Callable[[str, str], object | None] = empty_body_for_writes,
    allowed_status: int | None = None,
) -> None:
    """Call every route as `caller` and check the matrix: no 5xx anywhere; an allowed caller
    passes authorisation (or gets exactly `allowed_status`); any other caller gets 401 without
    a token, 403 with one, as problem+json."""
    assert routes, "no route to walk"
    for method, path in routes:
        response = await http.request(
            method, concrete(path), json=body(method, path), headers=dict(headers)
        )
        where = f"{method} {path} as {caller}: {response.status_code} {response.text[:200]}"
        assert response.status_code < 500, where
        allowed = matrix[(method, path)]
        if allowed == PUBLIC or caller in allowed:
            if allowed_status is None:
                assert response.status_code not in (401, 403), where
            else:
                assert response.status_code == allowed_status, where
        else:
            assert response.status_code == (401 if caller == NO_TOKEN else 403), where
            assert response.headers["content-type"] == "application/problem+json", where
