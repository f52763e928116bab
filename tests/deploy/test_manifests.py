"""The Kubernetes manifests stay in step with the code: every service deployed, probed, importable."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.settings import DEFAULT_ROUTES
from shared.events.topics import ALL_TOPICS

BASE = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "base"
SERVICES = ["connectivity", "identity", "booking", "payment", "analytics", "operations", "support"]


def _documents() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted(BASE.glob("*.yaml")):
        docs += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return docs


def _deployment(name: str) -> dict[str, Any]:
    """The workload of a service: a Deployment (connectivity: a StatefulSet, for stable ids)."""
    for doc in _documents():
        if doc["kind"] in ("Deployment", "StatefulSet") and doc["metadata"]["name"] == name:
            return doc
    raise AssertionError(f"no Deployment {name}")


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    files = {p.name for p in BASE.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files


@pytest.mark.parametrize("name", [*SERVICES, "gateway"])
def test_each_service_is_deployed_with_probes_and_without_root(name: str) -> None:
    pod = _deployment(name)["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    # The command names a factory that really exists.
    factory = container["command"][container["command"].index("uvicorn") + 1]
    module, attribute = factory.split(":")
    assert callable(getattr(importlib.import_module(module), attribute))


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_reads_its_database_url_from_its_own_secret(name: str) -> None:
    env = _deployment(name)["spec"]["template"]["spec"]["containers"][0]["env"]
    database = next(e for e in env if e["name"] == f"LADDA_{name.upper()}_DATABASE_URL")
    assert database["valueFrom"]["secretKeyRef"]["name"] == f"ladda-{name}"


def test_gateway_has_an_upstream_for_every_routed_service() -> None:
    config = next(d for d in _documents() if d["kind"] == "ConfigMap")["data"]
    for service in set(DEFAULT_ROUTES.values()):
        assert config[f"LADDA_GATEWAY_UPSTREAM_{service.upper()}"] == f"http://{service}"


def test_topics_job_creates_the_topics_of_the_contract() -> None:
    job = next(d for d in _documents() if d["kind"] == "Job")
    command = job["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command == ["python", "-m", "tools.kafka_topics"]
    assert len({t.name for t in ALL_TOPICS}) == len(ALL_TOPICS)


def test_connectivity_replicas_take_their_stable_pod_name_as_replica_id() -> None:
    workload = _deployment("connectivity")
    assert workload["kind"] == "StatefulSet"
    env = workload["spec"]["template"]["spec"]["containers"][0]["env"]
    replica = next(e for e in env if e["name"] == "LADDA_CONNECTIVITY_REPLICA_ID")
    assert replica["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
