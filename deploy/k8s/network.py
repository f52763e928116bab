"""Ladda's NetworkPolicies: what may reach each workload, and what each workload may reach.

Used by `generate.py` (writes `base/network-policies.yaml`). Nothing reaches a Ladda pod and a
Ladda pod reaches nothing unless a policy here lets it; every allowance follows from
`platform_model` (the code) or from the small tables below:

- in: the Ingress controller (gateway, OCPP), Prometheus, and the HTTP callers the code shows
  (`platform_model.http_callers`);
- out: DNS; PostgreSQL (the workloads with a database); the Kafka brokers' TLS/SCRAM listener;
  the services it calls over HTTP (`platform_model.http_peers`); addresses outside the
  cluster on the ports of its `platform_model.outside_targets` (one policy per destination,
  named `<workload>-egress-<destination>`, so an overlay can narrow one: deploy/README.md).

The operators' pods (Strimzi, CloudNativePG) are left to the operators, apart from the ingress
rules of the PostgreSQL instances (Strimzi writes the brokers' from `networkPolicyPeers`).
"""

from __future__ import annotations

from typing import Any

import platform_model as model
import workloads as wl

INGRESS_NAMESPACE = "ingress-nginx"
MONITORING_NAMESPACE = "monitoring"
CNPG_NAMESPACE = "cnpg-system"
DNS_NAMESPACE = "kube-system"
# CoreDNS keeps kube-dns's label in kubeadm, kind, minikube, k3s, EKS, GKE and AKS clusters.
DNS_PODS = {"k8s-app": "kube-dns"}
HTTP_PORT = 8000

# Addresses outside the cluster: everything but the private (RFC 1918, RFC 4193), shared
# (RFC 6598, used by some pod networks), loopback and link-local ranges, where pods, Services,
# nodes and cloud metadata endpoints live. Narrow them per destination in an overlay.
OUTSIDE_IPV4 = {
    "cidr": "0.0.0.0/0",
    "except": [
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
    ],
}
OUTSIDE_IPV6 = {
    "cidr": "::/0",
    "except": ["::1/128", "::ffff:0:0/96", "fc00::/7", "fe80::/10"],
}

LADDA_PODS = {
    "matchExpressions": [
        {
            "key": "app.kubernetes.io/component",
            "operator": "In",
            "values": ["service", "gateway"],
        }
    ]
}
POSTGRES_PODS = {"cnpg.io/cluster": wl.POSTGRES_CLUSTER, "cnpg.io/podRole": "instance"}
KAFKA_BROKERS = {"strimzi.io/cluster": wl.KAFKA_CLUSTER, "strimzi.io/broker-role": "true"}


def _policy(
    name: str,
    selector: dict[str, Any],
    ingress: list[dict[str, Any]] | None = None,
    egress: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"podSelector": selector, "policyTypes": []}
    if ingress is not None:
        spec["policyTypes"].append("Ingress")
        spec["ingress"] = ingress
    if egress is not None:
        spec["policyTypes"].append("Egress")
        spec["egress"] = egress
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/part-of": "ladda"}},
        "spec": spec,
    }


def _pods(**match: str) -> dict[str, Any]:
    return {"podSelector": {"matchLabels": match}}


def _workload(name: str) -> dict[str, Any]:
    return {"matchLabels": {"app.kubernetes.io/name": name}}


def _namespace(name: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}


def _tcp(*ports: int) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": p} for p in ports]


def ingress_policies() -> list[dict[str, Any]]:
    prometheus = _namespace(MONITORING_NAMESPACE)
    docs = [
        _policy(
            "gateway",
            _workload("gateway"),
            ingress=[
                {"from": [_namespace(INGRESS_NAMESPACE)], "ports": _tcp(HTTP_PORT)},
                {"from": [prometheus], "ports": _tcp(9090)},
            ],
        )
    ]
    for service in model.SERVICES:
        # The gateway and every service whose code calls this one (identity: the JWKS).
        callers = [
            _pods(**{"app.kubernetes.io/name": c}) for c in _ordered(model.http_callers(service))
        ]
        rules = [{"from": [*callers, prometheus], "ports": _tcp(HTTP_PORT)}]
        if service == "connectivity":
            rules.insert(0, {"from": [_namespace(INGRESS_NAMESPACE)], "ports": _tcp(9000)})
        docs.append(_policy(service, _workload(service), ingress=rules))
    docs.append(
        _policy(
            "postgres",
            {"matchLabels": {"cnpg.io/cluster": wl.POSTGRES_CLUSTER}},
            ingress=[
                # The services, the instances themselves (replication), the operator.
                {
                    "from": [
                        _pods(**{"ladda.io/database-client": "true"}),
                        _pods(**{"cnpg.io/cluster": wl.POSTGRES_CLUSTER}),
                        _namespace(CNPG_NAMESPACE),
                    ],
                    "ports": _tcp(5432),
                },
                {"from": [_namespace(CNPG_NAMESPACE)], "ports": _tcp(8000)},
                {"from": [prometheus], "ports": _tcp(9187)},
            ],
        )
    )
    return docs


def _ordered(names: frozenset[str]) -> list[str]:
    order = [*model.SERVICES, model.GATEWAY]
    return sorted(names, key=order.index)


def egress_policies() -> list[dict[str, Any]]:
    docs = [
        _policy(
            "dns-egress",
            LADDA_PODS,
            egress=[
                {
                    "to": [{**_namespace(DNS_NAMESPACE), **_pods(**DNS_PODS)}],
                    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                }
            ],
        )
    ]
    for w in wl.WORKLOADS.values():
        rules: list[dict[str, Any]] = []
        if w.database:
            # The primary moves on failover: any instance of the cluster. Which database a
            # role may open is PostgreSQL's to enforce (pg_hba in base/postgres/cluster.yaml).
            rules.append({"to": [_pods(**POSTGRES_PODS)], "ports": _tcp(5432)})
        rules.append({"to": [_pods(**KAFKA_BROKERS)], "ports": _tcp(wl.KAFKA_PORT)})
        peers = _ordered(model.http_peers(w.name))
        if peers:
            rules.append(
                {
                    "to": [_pods(**{"app.kubernetes.io/name": p}) for p in peers],
                    "ports": _tcp(HTTP_PORT),
                }
            )
        docs.append(_policy(f"{w.name}-egress", _workload(w.name), egress=rules))
        for target in sorted(model.outside_targets(w.name)):
            ports = model.OUTSIDE[target].ports
            docs.append(
                _policy(
                    f"{w.name}-egress-{target}",
                    _workload(w.name),
                    egress=[
                        {
                            "to": [{"ipBlock": OUTSIDE_IPV4}, {"ipBlock": OUTSIDE_IPV6}],
                            "ports": _tcp(*ports),
                        }
                    ],
                )
            )
    return docs


def network_policies() -> list[dict[str, Any]]:
    # Nothing reaches a Ladda pod, and a Ladda pod reaches nothing, unless a policy lets it.
    # (Only Ladda's own pods: the operators manage their pods' policies themselves.)
    default_deny = _policy("default-deny", LADDA_PODS, ingress=[], egress=[])
    return [default_deny, *ingress_policies(), *egress_policies()]
