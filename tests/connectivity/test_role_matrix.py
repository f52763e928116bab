"""The role matrix of connectivity, walked over every route of the app with every role.

The expected matrix is written here, apart from the code that enforces it
(`services/connectivity/access.py`), and matches the README's. A route added to the app without
an entry below fails `test_every_route_has_a_matrix_entry`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.connectivity.support import Service, auth, create_session, new_charge_point
from tests.connectivity.test_commands import COMMANDS_16, COMMANDS_201
from tests.helpers.stack import unique

STAFF = {"support", "operator", "admin"}
MANAGERS = {"operator", "admin"}
SERVICE_SCOPES = ("chargepoints:read", "sessions:read", "commands:reserve", "commands:start")
ROLES: dict[str, dict[str, str]] = {
    "driver": auth("driver-1", "driver"),
    "support": auth("support-1", "support"),
    "operator": auth("operator-1", "operator"),
    "admin": auth("admin-1", "admin"),
    "service": auth("svc-bare", "service"),
    # A service account never gets staff power from a role it should not hold.
    "service+operator-role": auth("svc-operator", "service", "operator"),
    **{
        f"service+{scope}": auth(f"svc-{scope}", "service", scopes=(scope,))
        for scope in SERVICE_SCOPES
    },
    "anonymous": {},
}
EVERYONE = set(ROLES)
COMMAND_SCOPED = {"service+commands:reserve", "service+commands:start"}


@dataclass(frozen=True)
class Rule:
    """Roles that pass; roles that pass but see only their own (others' objects: 404)."""

    allowed: set[str]
    own: set[str] = field(default_factory=set)
    public: bool = False
    body: Callable[[], dict[str, Any]] | None = None
    # Routes of a fresh charger each call (they change or retire it).
    fresh_charger: bool = False
    # Accept any answer but 401/403 (a route whose body this test does not know in detail).
    lenient: bool = False

    def expected(self, role: str) -> int | str:
        if self.public:
            return "ok"
        if role == "anonymous":
            return 401
        if role in self.own:
            return 404
        return "ok" if role in self.allowed else 403


READ_CHARGE_POINTS = STAFF | {"service+chargepoints:read"}
PUBLIC = Rule(EVERYONE, public=True)
MATRIX: dict[tuple[str, str], Rule] = {
    ("POST", "/v1/charge-points"): Rule(MANAGERS, body=lambda: {"id": unique("CP")}),
    ("GET", "/v1/charge-points"): Rule(READ_CHARGE_POINTS),
    ("GET", "/v1/charge-points/{}"): Rule(READ_CHARGE_POINTS),
    ("PATCH", "/v1/charge-points/{}"): Rule(
        MANAGERS, body=lambda: {"vendor": "Acme"}, fresh_charger=True
    ),
    ("POST", "/v1/charge-points/{}/approve"): Rule(MANAGERS, fresh_charger=True),
    ("POST", "/v1/charge-points/{}/retire"): Rule(MANAGERS, fresh_charger=True),
    ("POST", "/v1/charge-points/{}/password"): Rule(MANAGERS, body=dict, fresh_charger=True),
    ("GET", "/v1/charge-points/{}/connectors"): Rule(READ_CHARGE_POINTS),
    ("GET", "/v1/charge-points/{}/status-history"): Rule(READ_CHARGE_POINTS),
    ("GET", "/v1/charge-points/{}/frames"): Rule(STAFF),
    # The walk sends TriggerMessage; every action per role is in test_each_command_action_....
    ("POST", "/v1/charge-points/{}/commands"): Rule(
        STAFF,
        body=lambda: {
            "action": "TriggerMessage",
            "payload": {"requestedMessage": "Heartbeat"},
            "wait": False,
        },
    ),
    ("GET", "/v1/charge-points/{}/commands"): Rule(STAFF | COMMAND_SCOPED),
    # The walk reads an operator's command: a service account sees only its own.
    ("GET", "/v1/charge-points/{}/commands/{}"): Rule(STAFF, own=COMMAND_SCOPED),
    ("GET", "/v1/sessions"): Rule(STAFF | {"driver", "service+sessions:read"}),
    # The walk reads another driver's session: driver-1 gets 404.
    ("GET", "/v1/sessions/{}"): Rule(STAFF | {"service+sessions:read"}, own={"driver"}),
    ("GET", "/v1/sessions/{}/meter-samples"): Rule(
        STAFF | {"service+sessions:read"}, own={"driver"}
    ),
    # Closing an orphaned session by hand (the edge work adds it): operators and admins.
    ("POST", "/v1/sessions/{}/close"): Rule(MANAGERS, body=dict, lenient=True),
    ("GET", "/v1/locations"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
}

# Who may send which command, whatever the route walk sent.
SUPPORT_ACTIONS = {"TriggerMessage", "UnlockConnector", "RemoteStopTransaction"}
SUPPORT_ACTIONS_201 = {"TriggerMessage", "UnlockConnector", "RequestStopTransaction"}
SCOPE_ACTIONS = {
    "service+commands:reserve": {"ReserveNow", "CancelReservation"},
    "service+commands:start": {
        "RemoteStartTransaction",
        "RemoteStopTransaction",
        "RequestStartTransaction",
        "RequestStopTransaction",
    },
}


def template(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def routes(service: Service) -> list[tuple[str, str]]:
    """(method, path) of every route the app serves, included routers flattened."""
    found: list[tuple[str, str]] = []
    for route in service.app.routes:
        # FastAPI keeps an included router as one entry; its contexts are the real routes.
        contexts = getattr(route, "effective_route_contexts", None)
        for path, methods in (
            [(c.path, c.methods) for c in contexts()]
            if contexts is not None
            else [(getattr(route, "path", ""), getattr(route, "methods", None))]
        ):
            found += [(m, path) for m in sorted(methods or ()) if m != "HEAD"]
    assert len(found) > 20, found  # the walk must see the API, not only the docs routes
    return found


@pytest.fixture(scope="module")
async def objects(service: Service) -> dict[str, str]:
    """A charger, another driver's session and an operator's command, for the path parameters."""
    cp_id, _ = await new_charge_point(service)
    async with service.pool.acquire() as conn:
        session_id = await create_session(conn, charge_point_id=cp_id, user_id="driver-2")
    command = await service.http.post(
        f"/v1/charge-points/{cp_id}/commands",
        json={"action": "ClearCache", "payload": {}},
        headers=ROLES["operator"],
    )
    assert command.status_code == 200, command.text
    return {"cp": cp_id, "session": str(session_id), "command": command.json()["id"]}


async def concrete(service: Service, path: str, objects: dict[str, str], rule: Rule) -> str:
    cp_id = (await new_charge_point(service, approval="pending"))[0] if rule.fresh_charger else None
    values = {
        "cp_id": cp_id or objects["cp"],
        "command_id": objects["command"],
        "session_id": objects["session"],
    }

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in values:
            return values[name]
        return objects["session"] if path.startswith("/v1/sessions") else objects["cp"]

    return re.sub(r"\{([^}:]*)(?::[^}]*)?\}", fill, path)


def test_every_route_has_a_matrix_entry(service: Service) -> None:
    missing = [(m, p) for m, p in routes(service) if (m, template(p)) not in MATRIX]
    assert missing == []


@pytest.mark.parametrize("role", list(ROLES))
async def test_every_route_answers_each_role_as_the_matrix_says(
    service: Service, objects: dict[str, str], role: str
) -> None:
    wrong = []
    for method, path in routes(service):
        rule = MATRIX[(method, template(path))]
        url = await concrete(service, path, objects, rule)
        response = await service.http.request(
            method,
            url,
            headers=ROLES[role],
            json=rule.body() if rule.body else None,
        )
        expected = rule.expected(role)
        if expected == "ok":
            passed = (
                response.status_code not in (401, 403) and response.status_code < 500
                if rule.lenient
                else 200 <= response.status_code < 300
            )
        else:
            passed = response.status_code == expected
        if not passed:
            wrong.append((method, path, expected, response.status_code, response.text[:120]))
    assert wrong == []


def allowed_actions(role: str, version: str) -> set[str]:
    actions = set(COMMANDS_16 if version == "1.6" else COMMANDS_201)
    if role in MANAGERS:
        return actions
    if role == "support":
        return actions & (SUPPORT_ACTIONS if version == "1.6" else SUPPORT_ACTIONS_201)
    return actions & SCOPE_ACTIONS.get(role, set())


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_each_command_action_is_sent_only_by_the_roles_and_scopes_allowed(
    service: Service, version: str
) -> None:
    cp_id, _ = await new_charge_point(service, ocpp_version=version)
    commands = COMMANDS_16 if version == "1.6" else COMMANDS_201
    # The transaction the stop commands name is a live session on the charger.
    async with service.pool.acquire() as conn:
        await create_session(
            conn,
            charge_point_id=cp_id,
            ocpp_version=version,
            transaction_id="1" if version == "1.6" else "tx-1",
        )
    wrong = []
    for role, headers in ROLES.items():
        may = allowed_actions(role, version)
        for action, payload in commands.items():
            response = await service.http.post(
                f"/v1/charge-points/{cp_id}/commands",
                json={"action": action, "payload": payload},
                headers=headers,
            )
            expected = 401 if role == "anonymous" else 200 if action in may else 403
            if response.status_code != expected:
                wrong.append((role, action, expected, response.status_code))
    assert wrong == []


async def test_support_cannot_provision_change_passwords_or_configure(service: Service) -> None:
    """The observed gap: support provisioned chargers and read a password back."""
    support = ROLES["support"]
    cp_id, _ = await new_charge_point(service)
    provision = await service.http.post(
        "/v1/charge-points", json={"id": unique("CP")}, headers=support
    )
    password = await service.http.post(
        f"/v1/charge-points/{cp_id}/password", json={}, headers=support
    )
    firmware = await service.http.post(
        f"/v1/charge-points/{cp_id}/commands",
        json={"action": "UpdateFirmware", "payload": COMMANDS_16["UpdateFirmware"]},
        headers=support,
    )
    assert [provision.status_code, password.status_code, firmware.status_code] == [403] * 3


async def test_support_stops_only_a_live_session(service: Service) -> None:
    """A RemoteStop names a session: support cannot stop transactions the platform has not seen."""
    cp_id, _ = await new_charge_point(service)
    async with service.pool.acquire() as conn:
        await create_session(conn, charge_point_id=cp_id, transaction_id="41", status="stopped")

    async def stop(transaction_id: int, role: str) -> int:
        response = await service.http.post(
            f"/v1/charge-points/{cp_id}/commands",
            json={"action": "RemoteStopTransaction", "payload": {"transactionId": transaction_id}},
            headers=ROLES[role],
        )
        return response.status_code

    assert await stop(41, "support") == 409  # stopped already
    assert await stop(999, "service+commands:start") == 409  # never seen
    assert await stop(999, "operator") == 200  # operators may stop what the platform lost


async def test_a_service_account_without_scopes_has_no_staff_power(service: Service) -> None:
    bare = ROLES["service"]
    cp_id, _ = await new_charge_point(service)
    answers = [
        await service.http.get("/v1/charge-points", headers=bare),
        await service.http.get("/v1/sessions", headers=bare),
        await service.http.post(f"/v1/charge-points/{cp_id}/retire", headers=bare),
        await service.http.post(
            f"/v1/charge-points/{cp_id}/commands",
            json={
                "action": "RemoteStartTransaction",
                "payload": COMMANDS_16["RemoteStartTransaction"],
            },
            headers=bare,
        ),
    ]
    assert [a.status_code for a in answers] == [403] * 4


async def test_a_driver_reads_only_their_own_sessions(
    service: Service, objects: dict[str, str]
) -> None:
    async with service.pool.acquire() as conn:
        own = await create_session(conn, user_id="driver-1")
    driver = ROLES["driver"]
    listed = await service.http.get("/v1/sessions", params={"limit": 500}, headers=driver)
    assert {s["user_id"] for s in listed.json()} == {"driver-1"}
    assert str(own) in {s["id"] for s in listed.json()}
    assert (await service.http.get(f"/v1/sessions/{own}", headers=driver)).status_code == 200
    other = await service.http.get(f"/v1/sessions/{objects['session']}", headers=driver)
    assert other.status_code == 404


async def test_a_service_account_reads_the_commands_it_sent_and_no_others(
    service: Service, objects: dict[str, str]
) -> None:
    booking = ROLES["service+commands:reserve"]
    cp_id = objects["cp"]
    sent = await service.http.post(
        f"/v1/charge-points/{cp_id}/commands",
        json={"action": "ReserveNow", "payload": COMMANDS_16["ReserveNow"]},
        headers=booking,
    )
    assert sent.status_code == 200
    listed = await service.http.get(f"/v1/charge-points/{cp_id}/commands", headers=booking)
    assert [c["id"] for c in listed.json()] == [sent.json()["id"]]
    own = await service.http.get(
        f"/v1/charge-points/{cp_id}/commands/{sent.json()['id']}", headers=booking
    )
    assert own.status_code == 200
    assert own.json()["requested_by"] == "svc-commands:reserve"
