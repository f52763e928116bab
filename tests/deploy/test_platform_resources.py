"""The operators' resources carry what the platform relies on: topics, ACLs, databases, alerts."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from shared.events.topics import ALL_TOPICS
from tests.deploy.rendering import (
    K8S,
    OPERATOR_KINDS,
    OVERLAYS,
    ROOT,
    named,
    of_kind,
    platform_model,
    render,
)

CLIENTS = platform_model.kafka_clients()


def _closed(schema: Any) -> Any:
    """The schema with unknown fields refused (the API server would silently prune them)."""
    if isinstance(schema, dict):
        closed = {k: _closed(v) for k, v in schema.items()}
        if (
            "properties" in closed
            and "additionalProperties" not in closed
            and not closed.get("x-kubernetes-preserve-unknown-fields")
        ):
            closed["additionalProperties"] = False
        return closed
    if isinstance(schema, list):
        return [_closed(v) for v in schema]
    return schema


@cache
def _crd_schemas() -> dict[str, Any]:
    schemas = json.loads((K8S / "schemas" / "crd-schemas.json").read_text())
    return {key: _closed(schema) for key, schema in schemas.items()}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_operator_resources_validate_against_the_operators_schemas(overlay: str) -> None:
    """Strimzi, CloudNativePG and Prometheus Operator resources, against their CRDs' schemas
    (vendored in deploy/k8s/schemas), with unknown fields refused."""
    checked = 0
    for doc in render(overlay):
        if doc["kind"] not in OPERATOR_KINDS:
            continue
        key = f"{doc['apiVersion']}/{doc['kind']}"
        assert key in _crd_schemas(), f"no schema for {key}: an API version the operator dropped?"
        errors = [
            f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
            for e in jsonschema.Draft7Validator(_crd_schemas()[key]).iter_errors(doc)
        ]
        assert errors == [], (doc["kind"], doc["metadata"]["name"], errors)
        checked += 1
    assert checked > 40


def test_the_operator_schemas_refuse_a_misspelt_field() -> None:
    topic = dict(of_kind("production", "KafkaTopic")[0])
    topic["spec"] = {**topic["spec"], "partition": 6}
    validator = jsonschema.Draft7Validator(_crd_schemas()["kafka.strimzi.io/v1/KafkaTopic"])
    assert [e.message for e in validator.iter_errors(topic)] == [
        "Additional properties are not allowed ('partition' was unexpected)"
    ]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kafka_topics_are_exactly_those_of_topics_py(overlay: str) -> None:
    topics = {t["spec"]["topicName"]: t for t in of_kind(overlay, "KafkaTopic")}
    assert set(topics) == {t.name for t in ALL_TOPICS}
    replicas = 3 if overlay == "production" else 1
    for topic in ALL_TOPICS:
        resource = topics[topic.name]
        assert resource["metadata"]["labels"]["strimzi.io/cluster"] == "ladda-kafka"
        assert resource["spec"]["partitions"] == topic.partitions
        assert resource["spec"]["replicas"] == replicas
        config = dict(resource["spec"]["config"])
        assert config.pop("min.insync.replicas") == str(min(2, replicas))
        assert config == topic.config()


def test_kafka_runs_in_kraft_mode_with_node_pools_and_topics_only_from_resources() -> None:
    kafka = named("production", "Kafka", "ladda-kafka")
    assert kafka["metadata"]["annotations"]["strimzi.io/kraft"] == "enabled"
    assert kafka["metadata"]["annotations"]["strimzi.io/node-pools"] == "enabled"
    assert "zookeeper" not in kafka["spec"]
    assert kafka["spec"]["kafka"]["authorization"]["type"] == "simple"
    assert kafka["spec"]["kafka"]["config"]["auto.create.topics.enable"] is False
    assert "kafkaExporter" in kafka["spec"]
    pools = {p["metadata"]["name"]: p["spec"] for p in of_kind("production", "KafkaNodePool")}
    assert pools["controllers"]["roles"] == ["controller"] and pools["controllers"]["replicas"] == 3
    assert pools["brokers"]["roles"] == ["broker"] and pools["brokers"]["replicas"] == 3
    (dev_pool,) = of_kind("dev", "KafkaNodePool")
    assert sorted(dev_pool["spec"]["roles"]) == ["broker", "controller"]
    assert dev_pool["spec"]["replicas"] == 1


def _granted(user: dict[str, object]) -> dict[tuple[str, str, str], set[str]]:
    spec = user["spec"]
    assert isinstance(spec, dict)
    grants: dict[tuple[str, str, str], set[str]] = {}
    for acl in spec["authorization"]["acls"]:
        resource = acl["resource"]
        key = (resource["type"], resource["name"], resource["patternType"])
        grants.setdefault(key, set()).update(acl["operations"])
    return grants


@pytest.mark.parametrize("client", CLIENTS)
def test_each_kafka_user_may_do_exactly_what_its_code_does(client: str) -> None:
    access = platform_model.kafka_access(client)
    user = named("production", "KafkaUser", f"{client}-kafka")
    assert user["spec"]["authentication"]["type"] == "scram-sha-512"
    expected: dict[tuple[str, str, str], set[str]] = {}
    for topic in access.reads:
        expected.setdefault(("topic", topic, "literal"), set()).update({"Describe", "Read"})
    for topic in access.writes:
        expected.setdefault(("topic", topic, "literal"), set()).update({"Describe", "Write"})
    if access.group_prefix:
        expected[("group", access.group_prefix, "prefix")] = {"Read"}
    assert _granted(user) == expected
    # Every consumer group the code uses falls under the prefix, and no other service's does.
    for group in access.groups:
        assert access.group_prefix and group.startswith(access.group_prefix)
    assert access.reads | access.writes <= platform_model.all_topic_names()


def test_derived_access_matches_what_the_services_are_known_to_do() -> None:
    # A sample of facts from the code, so a broken derivation cannot pass unnoticed.
    connectivity = platform_model.kafka_access("connectivity")
    assert "connectivity.commands.v1" in connectivity.reads
    assert {"charging.sessions.v1", "chargepoints.status.v1"} <= connectivity.writes
    assert "connectivity.commands.v1" in platform_model.kafka_access("booking").writes
    assert "payment.invoices.v1" in platform_model.kafka_access("payment").writes
    assert platform_model.kafka_access("analytics").writes == frozenset()
    assert platform_model.kafka_access("gateway").reads == {"identity.users.v1"}
    for client in CLIENTS:
        assert "identity.users.v1" in platform_model.kafka_access(client).reads  # revocations
    writers = {t for c in CLIENTS for t in platform_model.kafka_access(c).writes}
    assert writers == {t.name for t in ALL_TOPICS}, "a topic nobody writes, or an unknown one"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_has_its_role_and_database_in_the_postgres_cluster(overlay: str) -> None:
    cluster = named(overlay, "Cluster", "ladda-postgres")
    assert cluster["spec"]["instances"] == (3 if overlay == "production" else 1)
    roles = {r["name"]: r for r in cluster["spec"]["managed"]["roles"]}
    databases = {d["spec"]["name"]: d["spec"] for d in of_kind(overlay, "Database")}
    assert set(roles) == set(databases) == set(platform_model.SERVICES)
    for service in platform_model.SERVICES:
        assert roles[service]["login"] is True
        assert roles[service]["passwordSecret"] == {"name": f"{service}-db"}
        assert databases[service]["owner"] == service
        assert databases[service]["cluster"] == {"name": "ladda-postgres"}
    assert cluster["spec"]["enableSuperuserAccess"] is False


def test_production_backs_postgres_up_to_object_storage_and_is_monitored() -> None:
    cluster = named("production", "Cluster", "ladda-postgres")
    store = cluster["spec"]["backup"]["barmanObjectStore"]
    assert store["destinationPath"].startswith("s3://")
    assert store["s3Credentials"]["accessKeyId"]["name"] == "ladda-postgres-backup"
    backup = named("production", "ScheduledBackup", "ladda-postgres-nightly")
    assert backup["spec"]["cluster"] == {"name": "ladda-postgres"}
    assert backup["spec"]["method"] == "barmanObjectStore"
    monitor = named("production", "PodMonitor", "ladda-postgres")
    assert monitor["spec"]["selector"]["matchLabels"]["cnpg.io/cluster"] == "ladda-postgres"
    queries_ref = cluster["spec"]["monitoring"]["customQueriesConfigMap"][0]
    queries = yaml.safe_load(
        named("production", "ConfigMap", queries_ref["name"])["data"]["queries.yaml"]
    )
    assert set(queries["ladda_outbox"]["target_databases"]) == set(platform_model.SERVICES)


def _alerts() -> dict[str, dict[str, object]]:
    (rule,) = of_kind("production", "PrometheusRule")
    return {r["alert"]: r for group in rule["spec"]["groups"] for r in group["rules"]}


def test_alerts_cover_what_an_sre_needs_and_each_has_a_runbook_line() -> None:
    alerts = _alerts()
    expressions = " ".join(str(a["expr"]) for a in alerts.values())
    for needle in (
        "kube_pod_status_ready",  # pods not ready
        "kafka_consumergroup_lag",  # consumer lag
        "cnpg_ladda_outbox_oldest_age_seconds",  # outbox backlog
        "cnpg_ladda_dead_letters_total",  # dead letters
        "cnpg_ladda_ocpp_connections",  # OCPP connection drops
        'status=~"5.."',  # 5xx rate
        "histogram_quantile(0.99",  # p99 latency
    ):
        assert needle in expressions, needle
    readme = (ROOT / "deploy" / "README.md").read_text()
    runbook = readme[readme.index("## Alerts") :]
    for name, alert in alerts.items():
        assert re.search(rf"^\| `{name}` \|", runbook, re.M), f"no runbook line for {name}"
        annotations = alert["annotations"]
        assert isinstance(annotations, dict)
        assert annotations["runbook_url"].endswith(f"#{name.lower()}")


def test_the_grafana_dashboard_shows_the_platform() -> None:
    path = ROOT / "deploy" / "k8s" / "base" / "monitoring" / "ladda-dashboard.json"
    dashboard = json.loads(Path(path).read_text())
    expressions = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    for needle in (
        "cnpg_ladda_ocpp_connections",
        "cnpg_ladda_ocpp_frames_total",
        "cnpg_ladda_sessions_total",
        "cnpg_ladda_payments_total",
        "kafka_consumergroup_lag",
        "cnpg_backends_total",
    ):
        assert needle in expressions, needle
    generated = next(
        c
        for c in of_kind("production", "ConfigMap")
        if c["metadata"]["name"].startswith("ladda-grafana-dashboard")
    )
    assert generated["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(generated["data"]["ladda-dashboard.json"]) == dashboard
    # Every metric the dashboard reads from PostgreSQL is one the custom queries export.
    cluster = named("production", "Cluster", "ladda-postgres")
    ref = cluster["spec"]["monitoring"]["customQueriesConfigMap"][0]
    queries = yaml.safe_load(named("production", "ConfigMap", ref["name"])["data"]["queries.yaml"])
    exported = {
        f"cnpg_{name}_{column}"
        for name, query in queries.items()
        for metric in query["metrics"]
        for column, spec in metric.items()
        if spec["usage"] != "LABEL"
    }
    used = set(
        re.findall(
            r"cnpg_ladda_\w+", expressions + " ".join(str(a["expr"]) for a in _alerts().values())
        )
    )
    assert used <= exported, used - exported
