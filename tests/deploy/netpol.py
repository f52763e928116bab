"""A small NetworkPolicy evaluator over the rendered objects: may this packet pass?

Follows the Kubernetes semantics the manifests use: a pod selected by a policy of a direction
is isolated in that direction, and then only what some rule of those policies allows passes
(ports with protocol and number; peers by pod selector, namespace selector, both, or ipBlock
with exceptions). A peer without namespaceSelector is in the policy's namespace. Replies of an
allowed connection always pass (policies are stateful), so they are not modelled.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from tests.deploy.rendering import of_kind, selects

Doc = dict[str, Any]


@dataclass(frozen=True)
class Pod:
    namespace: str
    labels: dict[str, str] = field(default_factory=dict)


Endpoint = Pod | str  # a pod, or an IP address outside the cluster's pod network


def namespace_of(overlay: str) -> str:
    namespaces = {p["metadata"]["namespace"] for p in of_kind(overlay, "NetworkPolicy")}
    (namespace,) = namespaces
    return str(namespace)


def _in_block(address: str, block: Doc) -> bool:
    ip = ipaddress.ip_address(address)
    network = ipaddress.ip_network(block["cidr"])
    if ip.version != network.version or ip not in network:
        return False
    for excepted in block.get("except", []):
        net = ipaddress.ip_network(excepted)
        if net.version == ip.version and ip in net:
            return False
    return True


def _peer_matches(peer: Doc, policy_namespace: str, other: Endpoint) -> bool:
    assert set(peer) <= {"podSelector", "namespaceSelector", "ipBlock"}, peer
    if isinstance(other, str):
        return "ipBlock" in peer and _in_block(other, peer["ipBlock"])
    if "ipBlock" in peer:
        return False  # pods' addresses lie in the excepted, private ranges (tested)
    if "namespaceSelector" in peer:
        namespace_labels = {"kubernetes.io/metadata.name": other.namespace}
        if not selects(peer["namespaceSelector"], namespace_labels):
            return False
    elif other.namespace != policy_namespace:
        return False
    return "podSelector" not in peer or selects(peer["podSelector"], other.labels)


def _port_matches(ports: list[Doc] | None, port: int, protocol: str) -> bool:
    if not ports:
        return True
    for entry in ports:
        assert isinstance(entry.get("port", 0), int) and "endPort" not in entry, entry
        if entry.get("protocol", "TCP") == protocol and entry.get("port", port) == port:
            return True
    return False


def policies_for(overlay: str, pod: Pod, direction: str) -> list[Doc]:
    """The policies that isolate the pod in a direction ("Ingress" or "Egress")."""
    return [
        p
        for p in of_kind(overlay, "NetworkPolicy")
        if p["metadata"]["namespace"] == pod.namespace
        and direction in p["spec"]["policyTypes"]
        and selects(p["spec"]["podSelector"], pod.labels)
    ]


def _allowed(
    overlay: str, pod: Pod, direction: str, other: Endpoint, port: int, protocol: str
) -> bool:
    policies = policies_for(overlay, pod, direction)
    if not policies:
        return True
    key, peers_key = ("egress", "to") if direction == "Egress" else ("ingress", "from")
    for policy in policies:
        for rule in policy["spec"].get(key, []):
            peers = rule.get(peers_key)
            if not _port_matches(rule.get("ports"), port, protocol):
                continue
            if peers is None or any(
                _peer_matches(peer, policy["metadata"]["namespace"], other) for peer in peers
            ):
                return True
    return False


def may_send(
    overlay: str, source: Pod, destination: Endpoint, port: int, protocol: str = "TCP"
) -> bool:
    """Whether the source's egress policies let it open a connection to destination:port."""
    return _allowed(overlay, source, "Egress", destination, port, protocol)


def may_receive(
    overlay: str, destination: Pod, source: Endpoint, port: int, protocol: str = "TCP"
) -> bool:
    """Whether the destination's ingress policies let source connect to it on port."""
    return _allowed(overlay, destination, "Ingress", source, port, protocol)


def may_connect(overlay: str, source: Pod, destination: Pod, port: int) -> bool:
    """Both ends agree: the source may send and the destination may receive."""
    return may_send(overlay, source, destination, port) and may_receive(
        overlay, destination, source, port
    )
