"""NetworkPolicies: each Ladda pod receives and sends exactly what the code needs, no more.

Checked with a small evaluator (netpol.py) on the rendered overlays: packets from and to the
pods of the workloads, the PostgreSQL instances, the Kafka brokers and controllers, kube-dns,
other namespaces and addresses inside and outside the cluster.
"""

from __future__ import annotations

import ipaddress

import pytest
import yaml

from tests.deploy.netpol import Pod, may_connect, may_receive, may_send, namespace_of, policies_for
from tests.deploy.rendering import (
    OVERLAYS,
    generate,
    named,
    of_kind,
    platform_model,
    pod_workloads,
    selects,
    workloads,
)

WORKLOAD_NAMES = [*platform_model.SERVICES, platform_model.GATEWAY]
KAFKA_PORT = workloads.KAFKA_PORT


def _pod(overlay: str, name: str) -> Pod:
    kind = "StatefulSet" if name == "connectivity" else "Deployment"
    labels = named(overlay, kind, name)["spec"]["template"]["metadata"]["labels"]
    return Pod(namespace_of(overlay), dict(labels))


def _postgres(overlay: str) -> Pod:
    labels = {"cnpg.io/cluster": "ladda-postgres", "cnpg.io/podRole": "instance"}
    return Pod(namespace_of(overlay), {**labels, "cnpg.io/instanceRole": "primary"})


def _kafka(overlay: str, role: str) -> Pod:
    labels = {
        "strimzi.io/cluster": "ladda-kafka",
        "strimzi.io/kind": "Kafka",
        "strimzi.io/name": "ladda-kafka-kafka",
        "strimzi.io/broker-role": str(role == "broker").lower(),
        "strimzi.io/controller-role": str(role == "controller").lower(),
    }
    return Pod(namespace_of(overlay), labels)


def _strimzi(overlay: str, name: str) -> Pod:
    return Pod(
        namespace_of(overlay), {"strimzi.io/cluster": "ladda-kafka", "strimzi.io/name": name}
    )


DNS = Pod("kube-system", {"k8s-app": "kube-dns"})
PUBLIC = ["93.184.215.14", "2606:4700:4700::1111"]
PRIVATE = [
    "10.96.0.10",
    "172.20.3.4",
    "192.168.1.10",
    "100.64.0.5",
    "169.254.169.254",  # cloud metadata
    "127.0.0.1",
    "fd00::10",
    "::ffff:10.0.0.1",
]
PROBED_PORTS = [22, 25, 53, 80, 443, 465, 587, 5432, 8000, 8443, 9092, 9093]


# -- isolation --------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_ladda_pod_is_isolated_both_ways_and_no_rule_is_open_to_all(overlay: str) -> None:
    namespace = namespace_of(overlay)
    for workload in pod_workloads(overlay):
        pod = Pod(namespace, workload["spec"]["template"]["metadata"]["labels"])
        for direction in ("Ingress", "Egress"):
            deny = [
                p
                for p in policies_for(overlay, pod, direction)
                if p["spec"].get(direction.lower()) == []
            ]
            assert deny, f"{workload['metadata']['name']}: no default-deny {direction}"
    # Other namespaces appear only as these: the Ingress controller, Prometheus, the
    # CloudNativePG operator (towards PostgreSQL), kube-dns.
    namespaces = {
        "ingress": {"ingress-nginx", "monitoring", "cnpg-system"},
        "egress": {"kube-system"},
    }
    for policy in of_kind(overlay, "NetworkPolicy"):
        for direction, peers in (("ingress", "from"), ("egress", "to")):
            for rule in policy["spec"].get(direction, []):
                where = f"{policy['metadata']['name']}: a {direction} rule open to all"
                assert rule.get(peers) and rule.get("ports"), where
                for peer in rule[peers]:
                    if "namespaceSelector" in peer:
                        labels = peer["namespaceSelector"]["matchLabels"]
                        assert labels["kubernetes.io/metadata.name"] in namespaces[direction]


# -- in ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("name", WORKLOAD_NAMES)
def test_only_entry_points_face_outside_and_services_hear_only_their_callers(
    overlay: str, name: str
) -> None:
    pod = _pod(overlay, name)
    nginx = Pod("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"})
    from_ingress = {p for p in (8000, 9000, 9090) if may_receive(overlay, pod, nginx, p)}
    assert from_ingress == {"gateway": {8000}, "connectivity": {9000}}.get(name, set())
    callers = {n for n in WORKLOAD_NAMES if may_connect(overlay, _pod(overlay, n), pod, 8000)}
    assert callers == (set() if name == "gateway" else platform_model.http_callers(name))
    prometheus = Pod("monitoring", {"app.kubernetes.io/name": "prometheus"})
    assert may_receive(overlay, pod, prometheus, 9090 if name == "gateway" else 8000)
    for stranger in (Pod("default"), Pod(namespace_of(overlay), {"app": "debug"}), PUBLIC[0]):
        assert not any(may_receive(overlay, pod, stranger, p) for p in [*PROBED_PORTS, 9000])


def test_the_callers_are_those_the_code_shows() -> None:
    # A sample of facts from the code, so a broken derivation cannot pass unnoticed.
    assert platform_model.http_callers("identity") == set(WORKLOAD_NAMES) - {"identity"}
    assert platform_model.http_callers("payment") == {"gateway", "notifications"}
    assert platform_model.http_callers("booking") == {"gateway"}
    assert platform_model.http_peers("notifications") == {"identity", "payment"}
    assert platform_model.http_peers("identity") == frozenset()  # holds its own keys
    assert platform_model.http_peers("gateway") == set(platform_model.SERVICES)


# -- out: DNS, PostgreSQL, Kafka --------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("name", WORKLOAD_NAMES)
def test_each_workload_resolves_names_and_reaches_its_database_and_kafka_only(
    overlay: str, name: str
) -> None:
    pod = _pod(overlay, name)
    assert may_send(overlay, pod, DNS, 53, "UDP") and may_send(overlay, pod, DNS, 53, "TCP")
    assert not may_send(overlay, pod, DNS, 80)
    assert not may_send(overlay, pod, Pod("kube-system", {"k8s-app": "other"}), 53, "UDP")
    assert not may_send(overlay, pod, Pod(namespace_of(overlay), DNS.labels), 53, "UDP")
    postgres = _postgres(overlay)
    has_database = name in platform_model.SERVICES
    assert may_connect(overlay, pod, postgres, 5432) is has_database
    assert not any(may_send(overlay, pod, postgres, p) for p in (8000, 9187))
    broker = _kafka(overlay, "broker")
    assert may_send(overlay, pod, broker, KAFKA_PORT)
    assert not any(may_send(overlay, pod, broker, p) for p in (9090, 9091, 9092, 8443))
    assert not may_send(overlay, pod, _kafka(overlay, "controller"), KAFKA_PORT)
    for other in ("ladda-kafka-entity-operator", "ladda-kafka-kafka-exporter"):
        assert not any(may_send(overlay, pod, _strimzi(overlay, other), p) for p in PROBED_PORTS)
    operator = Pod("cnpg-system", {"app.kubernetes.io/name": "cloudnative-pg"})
    assert not any(may_send(overlay, pod, operator, p) for p in PROBED_PORTS)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_kafka_port_is_the_brokers_tls_scram_listener_the_clients_use(overlay: str) -> None:
    kafka = named(overlay, "Kafka", "ladda-kafka")
    (listener,) = kafka["spec"]["kafka"]["listeners"]
    assert listener["port"] == KAFKA_PORT
    assert listener["tls"] is True and listener["authentication"]["type"] == "scram-sha-512"
    config = named(overlay, "ConfigMap", "ladda-platform")["data"]
    assert config["LADDA_KAFKA_BOOTSTRAP_SERVERS"] == workloads.KAFKA_BOOTSTRAP
    # Strimzi writes the brokers' ingress policy from networkPolicyPeers: every workload.
    (peer,) = listener["networkPolicyPeers"]
    assert {
        n for n in WORKLOAD_NAMES if selects(peer["podSelector"], _pod(overlay, n).labels)
    } == set(WORKLOAD_NAMES)
    # The dev overlay's single node is a broker too: its pods carry the broker label.
    roles = {r for pool in of_kind(overlay, "KafkaNodePool") for r in pool["spec"]["roles"]}
    assert "broker" in roles


def _hba_decision(lines: list[str], ssl: bool, database: str, role: str) -> str:
    """The method of the first pg_hba line matching a TCP connection (first match wins)."""
    for line in lines:
        kind, db, user, _address, method = line.split()
        if kind == "hostssl" and not ssl:
            continue
        if db in ("all", database) and user in ("all", role):
            return method
    return "scram-sha-256"  # the operator's default rule after the user's


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_role_opens_its_own_database_only_and_over_tls(overlay: str) -> None:
    """All databases live in one cluster: the network lets a service reach the instances, and
    pg_hba lets its role open its own database and nothing of another service's."""
    lines = named(overlay, "Cluster", "ladda-postgres")["spec"]["postgresql"]["pg_hba"]
    assert lines == generate.pg_hba()
    for role in platform_model.SERVICES:
        for database in platform_model.SERVICES:
            allowed = _hba_decision(lines, True, database, role) != "reject"
            assert allowed is (database == role), (role, database)
        assert _hba_decision(lines, False, role, role) == "reject", role
        assert _hba_decision(lines, True, "postgres", role) == "reject", role


# -- out: HTTP inside the cluster and the world outside ---------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("name", WORKLOAD_NAMES)
def test_each_workload_calls_exactly_the_services_its_code_calls(overlay: str, name: str) -> None:
    pod = _pod(overlay, name)
    reached = {n for n in WORKLOAD_NAMES if may_send(overlay, pod, _pod(overlay, n), 8000)}
    assert reached == platform_model.http_peers(name)
    for callee in reached:  # and the callee lets it in
        assert may_receive(overlay, _pod(overlay, callee), pod, 8000), callee
    for other in WORKLOAD_NAMES:
        assert not any(
            may_send(overlay, pod, _pod(overlay, other), p) for p in PROBED_PORTS if p != 8000
        )
    # The Services' URLs the manifests give it are those of the services it may reach.
    env = named(overlay, "StatefulSet" if name == "connectivity" else "Deployment", name)
    values = {
        e["name"]: e.get("value") for e in env["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    for peer in platform_model.url_settings(name):
        assert values[f"LADDA_{name.upper()}_{peer.upper()}_URL"] == f"http://{peer}"
        assert peer in reached


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("name", WORKLOAD_NAMES)
def test_only_notifications_and_payment_reach_outside_and_on_their_ports_only(
    overlay: str, name: str
) -> None:
    pod = _pod(overlay, name)
    expected = {
        p for t in platform_model.outside_targets(name) for p in platform_model.OUTSIDE[t].ports
    }
    for address in PUBLIC:
        opened = {p for p in PROBED_PORTS if may_send(overlay, pod, address, p)}
        assert opened == expected, address
    for address in PRIVATE:
        assert not any(may_send(overlay, pod, address, p) for p in PROBED_PORTS), address


def test_the_outside_destinations_are_those_the_code_shows() -> None:
    targets = {c: platform_model.outside_targets(c) for c in WORKLOAD_NAMES}
    assert targets["payment"] == {"stripe"}  # imports stripe
    assert targets["notifications"] == {"smtp", "webhooks"}  # imports aiosmtplib; webhooks
    assert {c for c, t in targets.items() if t} == {"payment", "notifications"}
    ports = {t: platform_model.OUTSIDE[t].ports for t in platform_model.OUTSIDE}
    assert ports == {"stripe": (443,), "smtp": (465, 587), "webhooks": (443,)}


def test_the_outside_ranges_leave_out_every_private_range() -> None:
    blocks = [
        peer["ipBlock"]
        for policy in of_kind("production", "NetworkPolicy")
        for rule in policy["spec"].get("egress", [])
        for peer in rule["to"]
        if "ipBlock" in peer
    ]
    assert blocks
    for block in blocks:
        excepted = [ipaddress.ip_network(e) for e in block.get("except", [])]
        network = ipaddress.ip_network(block["cidr"])
        private = [
            n
            for n in (ipaddress.ip_network(p) for p in _PRIVATE_RANGES)
            if n.version == network.version
        ]
        for net in private:
            assert any(net.subnet_of(e) for e in excepted if e.version == net.version), (block, net)


_PRIVATE_RANGES = [
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "169.254.0.0/16",
    "127.0.0.0/8",
    "fc00::/7",
    "fe80::/10",
    "::1/128",
]


def test_the_outside_policies_are_one_per_destination_so_an_overlay_can_narrow_one() -> None:
    names = {p["metadata"]["name"] for p in of_kind("production", "NetworkPolicy")}
    readme = (generate.HERE.parent / "README.md").read_text()
    for client in WORKLOAD_NAMES:
        for target in platform_model.outside_targets(client):
            assert f"{client}-egress-{target}" in names
            assert f"`{client}-egress-{target}`" in readme  # named where narrowing is explained
    # The README's example patch is YAML and names a policy that exists.
    example = readme[readme.index("```yaml", readme.index("## Network policies")) :]
    patch = yaml.safe_load(example[len("```yaml") : example.index("```", 7)])
    for entry in patch["patches"]:
        assert entry["target"]["name"] in names


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_notifications_is_configured_for_an_smtp_port_its_policy_opens(overlay: str) -> None:
    mail = named(overlay, "ConfigMap", "ladda-notifications")["data"]
    port = int(mail["LADDA_NOTIFICATIONS_SMTP_PORT"])
    assert port in platform_model.OUTSIDE["smtp"].ports
    tls = {465: "LADDA_NOTIFICATIONS_SMTP_TLS", 587: "LADDA_NOTIFICATIONS_SMTP_STARTTLS"}[port]
    assert mail[tls] == "true"
    pod = named(overlay, "Deployment", "notifications")["spec"]["template"]["spec"]
    assert {"configMapRef": {"name": "ladda-notifications"}} in pod["containers"][0]["envFrom"]
