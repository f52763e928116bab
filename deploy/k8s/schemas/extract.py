"""Extract the OpenAPI schemas of the operators' CustomResourceDefinitions into crd-schemas.json.

    .venv/bin/python deploy/k8s/schemas/extract.py CRD.yaml... > deploy/k8s/schemas/crd-schemas.json

Keeps, per served `group/version` and kind, the `openAPIV3Schema` without its descriptions
(what validation needs, a fraction of the size). The sources and their licence: SOURCES.md.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

KINDS = {
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


def _without_descriptions(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {
            k: _without_descriptions(v)
            for k, v in schema.items()
            if not (k == "description" and isinstance(v, str))
        }
    if isinstance(schema, list):
        return [_without_descriptions(v) for v in schema]
    return schema


def main(paths: list[str]) -> None:
    schemas: dict[str, Any] = {}
    for path in paths:
        for doc in yaml.safe_load_all(Path(path).read_text()):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            kind = doc["spec"]["names"]["kind"]
            if kind not in KINDS:
                continue
            for version in doc["spec"]["versions"]:
                if version.get("served", True):
                    key = f"{doc['spec']['group']}/{version['name']}/{kind}"
                    schemas[key] = _without_descriptions(version["schema"]["openAPIV3Schema"])
    lines = [
        f"{json.dumps(k)}: {json.dumps(v, sort_keys=True)}" for k, v in sorted(schemas.items())
    ]
    sys.stdout.write("{\n" + ",\n".join(lines) + "\n}\n")


if __name__ == "__main__":
    main(sys.argv[1:])
