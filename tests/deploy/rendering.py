"""The deployment as Kubernetes would receive it: each overlay rendered once by kustomize."""

from __future__ import annotations

import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "production")
# Installed by `make check-deploy` (from the Go module proxy); the version is pinned there.
KUSTOMIZE = Path(os.environ.get("LADDA_KUSTOMIZE", ROOT / ".local" / "tools" / "kustomize-v5.8.1"))

if str(K8S) not in sys.path:
    sys.path.insert(0, str(K8S))

import generate  # noqa: E402
import platform_model  # noqa: E402
import workloads  # noqa: E402

__all__ = ["generate", "platform_model", "workloads"]

Doc = dict[str, Any]

# Objects of the operators (Strimzi, CloudNativePG, Prometheus Operator): checked field by field
# in test_platform_resources.py. Every other kind must validate against Kubernetes' schemas.
OPERATOR_KINDS = {
    "Kafka",
    "KafkaNodePool",
    "KafkaTopic",
    "KafkaUser",
    "Cluster",
    "Database",
    "ScheduledBackup",
    "PodMonitor",
    "ServiceMonitor",
    "PrometheusRule",
}


@cache
def render(overlay: str) -> tuple[Doc, ...]:
    assert KUSTOMIZE.exists(), f"{KUSTOMIZE} is missing: `make check-deploy` installs it"
    out = subprocess.run(
        [str(KUSTOMIZE), "build", str(K8S / "overlays" / overlay)],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    return tuple(d for d in yaml.safe_load_all(out) if d)


def of_kind(overlay: str, *kinds: str) -> list[Doc]:
    return [d for d in render(overlay) if d["kind"] in kinds]


def named(overlay: str, kind: str, name: str) -> Doc:
    for doc in of_kind(overlay, kind):
        if doc["metadata"]["name"] == name:
            return doc
    raise AssertionError(f"no {kind} {name} in {overlay}")


def pod_workloads(overlay: str) -> list[Doc]:
    return of_kind(overlay, "Deployment", "StatefulSet", "Job", "DaemonSet", "CronJob")


def selects(selector: Doc, labels: dict[str, str]) -> bool:
    """Whether a label selector (matchLabels and matchExpressions In) matches the labels."""
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In", expression
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True
