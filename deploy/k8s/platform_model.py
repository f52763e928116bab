"""What the deployment needs to know about the code: workloads, topics, Kafka access, databases.

Read by `generate.py` (which writes the Strimzi, CloudNativePG and workload manifests) and by
`tests/deploy` (which checks the committed manifests against it). The Kafka access of a service
is derived from its code, never written by hand:

- the topics it reads and its consumer groups: the consumers its own `create_app()` builds
  (`EventConsumer.name` is the group, `ServiceRuntime.consumer_name` prefixes it with the
  service's name), plus `identity.users.v1` without a group for the revocation feed every
  service and the gateway follow (`shared/auth/revocations.py`);
- the topics it writes (through its outbox): the topics of the event classes it constructs,
  and of those it names without consuming their topic (classes handed to a publish helper).

A service that is announced but whose code has not landed yet is described in `PLANNED`;
as soon as `services/<name>/app.py` exists its access is derived from the code like the others.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import pkgutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

# The REST services behind the gateway, in the order the manifests list them.
SERVICES = (
    "identity",
    "connectivity",
    "booking",
    "payment",
    "analytics",
    "operations",
    "support",
    "notifications",
)
GATEWAY = "gateway"


@dataclass(frozen=True)
class KafkaAccess:
    """What one Kafka client may do: read and write topics, use consumer groups."""

    reads: frozenset[str]
    writes: frozenset[str]
    # Consumer groups: every group of a service starts with "<service>." (prefix ACL).
    group_prefix: str | None
    groups: frozenset[str] = field(default_factory=frozenset)


def _topic_names() -> dict[str, Any]:
    from shared.events.topics import ALL_TOPICS

    return {t.name: t for t in ALL_TOPICS}


REVOCATIONS_TOPIC = "identity.users.v1"

# Announced services, until their code lands (then derived from it, like the others).
PLANNED: dict[str, KafkaAccess] = {}


def has_code(service: str) -> bool:
    return (ROOT / "services" / service / "app.py").exists()


@cache
def _event_classes() -> dict[str, str]:
    """Event class name -> its topic, for every payload of `shared.events`."""
    import shared.events as events
    from shared.events.envelope import EventPayload

    classes: dict[str, str] = {}
    for module_info in pkgutil.iter_modules(events.__path__):
        module = importlib.import_module(f"shared.events.{module_info.name}")
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, EventPayload) and hasattr(obj, "topic"):
                classes[name] = obj.topic.name
    return classes


@cache
def _nodes(service: str) -> tuple[ast.AST, ...]:
    """Every node of the service's code (parsed once)."""
    return tuple(
        node
        for path in sorted((ROOT / "services" / service).rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
    )


def _event_references(service: str) -> tuple[set[str], set[str]]:
    """Topics of the event classes a service's code constructs, and of those it only names."""
    classes = _event_classes()
    constructed: set[str] = set()
    named: set[str] = set()
    for node in _nodes(service):
        if isinstance(node, ast.Call):
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else None
            )
            if name in classes:
                constructed.add(classes[name])
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in classes:
            named.add(classes[node.id])
    return constructed, named


def _dummy_settings(settings_class: Any) -> Any:
    """The service's settings with a placeholder for every required value (nothing connects)."""
    required = {
        name: "postgresql://deploy@127.0.0.1:1/deploy" if name == "database_url" else "placeholder"
        for name, info in settings_class.model_fields.items()
        if info.is_required()
    }
    return settings_class(**required)


@contextmanager
def _without_ladda_environment() -> Iterator[None]:
    """The code's defaults only: a developer's or test run's LADDA_* variables hidden."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("LADDA_")}
    for key in saved:
        del os.environ[key]
    try:
        yield
    finally:
        os.environ.update(saved)


def _consumers(service: str) -> list[tuple[str, list[str]]]:
    """(group, topics) of every consumer the service's own composition root builds."""
    with _without_ladda_environment():
        return _build_consumers(service)


@cache
def _app(service: str) -> Any:
    """The service's app as its own composition root builds it (nothing connects)."""
    with _without_ladda_environment():
        app_module = importlib.import_module(f"services.{service}.app")
        settings_module = importlib.import_module(f"services.{service}.settings")
        return app_module.create_app(_dummy_settings(settings_module.Settings))


def _build_consumers(service: str) -> list[tuple[str, list[str]]]:
    runtime = _app(service).state.runtime
    factory = runtime._consumer_factory
    if factory is None:
        return []
    runtime.pool = object()  # The factories hand the pool on; nothing uses it here.
    try:
        return [(c.name, list(c._topics)) for c in factory(runtime)]
    finally:
        runtime.pool = None


@cache
def kafka_access(client: str) -> KafkaAccess:
    """The Kafka access of a service (derived from its code) or of the gateway."""
    if client == GATEWAY:
        return KafkaAccess(
            reads=frozenset({REVOCATIONS_TOPIC}), writes=frozenset(), group_prefix=None
        )
    if not has_code(client):
        return PLANNED[client]
    consumers = _consumers(client)
    consumed = {topic for _, topics in consumers for topic in topics}
    constructed, named = _event_references(client)
    writes = constructed | (named - consumed)
    return KafkaAccess(
        reads=frozenset(consumed | {REVOCATIONS_TOPIC}),
        writes=frozenset(writes),
        group_prefix=f"{client}.",
        groups=frozenset(group for group, _ in consumers),
    )


def kafka_clients() -> list[str]:
    return [*SERVICES, GATEWAY]


def topics() -> list[Any]:
    from shared.events.topics import ALL_TOPICS

    return list(ALL_TOPICS)


def database(service: str) -> str:
    """Each service owns one database, and one role of the same name owns it."""
    return service


def all_topic_names() -> set[str]:
    return set(_topic_names())


# -- what a workload reaches over the network (the egress NetworkPolicies) -------------------


def _settings_defaults(client: str) -> Any:
    with _without_ladda_environment():
        if client == GATEWAY:
            from gateway.settings import GatewaySettings

            return GatewaySettings()
        settings_module = importlib.import_module(f"services.{client}.settings")
        return _dummy_settings(settings_module.Settings)


def _verifies_tokens_with_jwks(client: str) -> bool:
    """Whether the client fetches identity's JWKS over HTTP (identity holds its keys itself)."""
    from shared.auth.jwt import JwksClient

    if client == GATEWAY:
        return True  # gateway.app builds a JwksClient on LADDA_JWKS_URL
    return isinstance(_app(client).state.token_verifier._keys, JwksClient)


@cache
def http_peers(client: str) -> frozenset[str]:
    """The services a workload calls over HTTP, from its code and settings:

    - identity, for the JWKS, when its token verifier fetches keys (`JwksClient`);
    - the gateway: every service its routing table names (`GatewaySettings.services()`);
    - a service: the service of every `<service>_url` setting (e.g. notifications'
      `identity_url` and `payment_url`), which the manifests set to `http://<service>`.
    """
    if client != GATEWAY and not has_code(client):
        return PLANNED_HTTP[client]
    peers: set[str] = set()
    if _verifies_tokens_with_jwks(client):
        peers.add("identity")
    settings = _settings_defaults(client)
    if client == GATEWAY:
        peers |= set(settings.services())
    else:
        peers |= {s for s in SERVICES if s != client and f"{s}_url" in type(settings).model_fields}
    return frozenset(peers)


def url_settings(client: str) -> list[str]:
    """The services whose base URL the client reads from a `<service>_url` setting."""
    if client == GATEWAY or not has_code(client):
        return []
    fields = type(_settings_defaults(client)).model_fields
    return [s for s in SERVICES if s != client and f"{s}_url" in fields]


def http_callers(service: str) -> frozenset[str]:
    """Who calls the service over HTTP (the other side of `http_peers`)."""
    return frozenset(c for c in kafka_clients() if c != service and service in http_peers(c))


# Announced services' HTTP peers, until their code lands.
PLANNED_HTTP: dict[str, frozenset[str]] = {}


@dataclass(frozen=True)
class Outside:
    """A destination outside the cluster, reached over TCP on these ports."""

    name: str
    ports: tuple[int, ...]
    what: str


OUTSIDE: dict[str, Outside] = {
    o.name: o
    for o in (
        Outside("stripe", (443,), "Stripe's API (api.stripe.com) over HTTPS"),
        Outside(
            "smtp",
            (465, 587),
            "the operator's SMTP server: implicit TLS (465) or STARTTLS (587)",
        ),
        Outside("webhooks", (443,), "operators' webhook URLs (https, the default port)"),
    )
}

# A client library imported by a service's code means a destination outside the cluster.
OUTSIDE_BY_LIBRARY = {"stripe": "stripe", "aiosmtplib": "smtp", "smtplib": "smtp"}

# What the code cannot show: webhook URLs are data (the subscriptions' rows), posted to with
# httpx like the services notifications calls inside the cluster.
OUTSIDE_DECLARED: dict[str, frozenset[str]] = {"notifications": frozenset({"webhooks"})}


def _imported_modules(service: str) -> set[str]:
    modules: set[str] = set()
    for node in _nodes(service):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module.split(".")[0])
    return modules


@cache
def outside_targets(client: str) -> frozenset[str]:
    """The destinations outside the cluster a workload reaches (names of `OUTSIDE`)."""
    if client == GATEWAY:
        return frozenset()  # the console's Stripe.js and map tiles load in the browser
    derived = {OUTSIDE_BY_LIBRARY[m] for m in _imported_modules(client) if m in OUTSIDE_BY_LIBRARY}
    return frozenset(derived | OUTSIDE_DECLARED.get(client, frozenset()))
