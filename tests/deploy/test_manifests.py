"""Every overlay renders into valid Kubernetes objects, and the workloads are safe to run."""

from __future__ import annotations

import base64
import importlib
import re
from typing import Any

import kubernetes_validate
import pytest

from gateway.settings import DEFAULT_ROUTES
from tests.deploy.rendering import (
    OPERATOR_KINDS,
    OVERLAYS,
    named,
    of_kind,
    platform_model,
    pod_workloads,
    render,
)

KUBERNETES_VERSION = "1.33.0"
WORKLOAD_NAMES = [*platform_model.SERVICES, platform_model.GATEWAY]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_core_object_validates_against_the_kubernetes_schemas(overlay: str) -> None:
    validated = 0
    for doc in render(overlay):
        if doc["kind"] in OPERATOR_KINDS:
            continue
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        validated += 1
    assert validated > 50


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_and_the_gateway_run_with_an_account_a_budget_and_a_monitor(
    overlay: str,
) -> None:
    for name in WORKLOAD_NAMES:
        kind = "StatefulSet" if name == "connectivity" else "Deployment"
        pod = named(overlay, kind, name)["spec"]["template"]["spec"]
        assert pod["serviceAccountName"] == name
        named(overlay, "ServiceAccount", name)
        named(overlay, "PodDisruptionBudget", name)
        named(overlay, "ServiceMonitor", name)
        assert pod["topologySpreadConstraints"]
        if overlay == "production":
            hpa = named(overlay, "HorizontalPodAutoscaler", name)
            assert hpa["spec"]["scaleTargetRef"] == {
                "apiVersion": "apps/v1",
                "kind": kind,
                "name": name,
            }
            assert hpa["spec"]["minReplicas"] >= 2


def test_rest_services_scale_on_cpu_and_connectivity_on_its_connections() -> None:
    for name in WORKLOAD_NAMES:
        metrics = named("production", "HorizontalPodAutoscaler", name)["spec"]["metrics"]
        kinds = {m["type"]: m for m in metrics}
        assert kinds["Resource"]["resource"]["name"] == "cpu"
        if name == "connectivity":
            assert kinds["Pods"]["pods"]["metric"]["name"] == "ladda_ocpp_connections"
        else:
            assert "Pods" not in kinds


def test_dev_runs_one_replica_of_everything_without_autoscaling() -> None:
    for workload in of_kind("dev", "Deployment", "StatefulSet"):
        assert workload["spec"]["replicas"] == 1, workload["metadata"]["name"]
    assert of_kind("dev", "HorizontalPodAutoscaler") == []


def _containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    pod = workload["spec"]["template"]["spec"]
    return [*pod.get("initContainers", []), *pod["containers"]]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_is_non_root_read_only_unprivileged_and_limited(overlay: str) -> None:
    workloads = pod_workloads(overlay)
    assert {w["metadata"]["name"] for w in workloads} >= set(WORKLOAD_NAMES)
    for workload in workloads:
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        assert pod["automountServiceAccountToken"] is False
        assert not pod.get("hostNetwork") and not pod.get("hostPID")
        for container in _containers(workload):
            security = container["securityContext"]
            where = f"{overlay}/{workload['metadata']['name']}/{container['name']}"
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["allowPrivilegeEscalation"] is False, where
            assert security.get("privileged", False) is False, where
            assert security["capabilities"]["drop"] == ["ALL"], where
            assert "add" not in security["capabilities"], where
            limits = container["resources"]["limits"]
            assert limits["cpu"] and limits["memory"], where
            assert container["resources"]["requests"]["memory"], where


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_workload_is_probed_on_healthz_and_readyz(overlay: str) -> None:
    for workload in pod_workloads(overlay):
        container = workload["spec"]["template"]["spec"]["containers"][0]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"


@pytest.mark.parametrize("name", WORKLOAD_NAMES)
def test_each_command_names_a_factory_that_exists(name: str) -> None:
    if name != "gateway" and not platform_model.has_code(name):
        assert name in platform_model.PLANNED  # announced, its code has not landed yet
        return
    kind = "StatefulSet" if name == "connectivity" else "Deployment"
    command = named("production", kind, name)["spec"]["template"]["spec"]["containers"][0][
        "command"
    ]
    module, attribute = command[command.index("uvicorn") + 1].split(":")
    assert callable(getattr(importlib.import_module(module), attribute))


@pytest.mark.parametrize("name", platform_model.SERVICES)
def test_each_service_migrates_its_own_database_before_it_starts(name: str) -> None:
    kind = "StatefulSet" if name == "connectivity" else "Deployment"
    pod = named("production", kind, name)["spec"]["template"]["spec"]
    (migrate,) = pod["initContainers"]
    assert migrate["command"] == ["python", "/app/migrate.py", f"services.{name}.app"]
    env = {e["name"]: e for e in pod["containers"][0]["env"]}
    url = env[f"LADDA_{name.upper()}_DATABASE_URL"]["value"]
    assert url.startswith(f"postgresql://{name}@ladda-postgres-rw:5432/{name}?sslmode=verify-full")
    assert env["PGPASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == f"{name}-db"
    assert env["LADDA_KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == f"{name}-kafka"


def test_the_gateway_has_an_upstream_for_every_routed_service() -> None:
    config = named("production", "ConfigMap", "ladda-platform")["data"]
    for service in set(DEFAULT_ROUTES.values()):
        assert config[f"LADDA_GATEWAY_UPSTREAM_{service.upper()}"] == f"http://{service}"


def test_connectivity_replicas_take_their_stable_pod_name_as_replica_id() -> None:
    workload = named("production", "StatefulSet", "connectivity")
    env = workload["spec"]["template"]["spec"]["containers"][0]["env"]
    replica = next(e for e in env if e["name"] == "LADDA_CONNECTIVITY_REPLICA_ID")
    assert replica["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"


# -- no secret in the manifests ---------------------------------------------------------------

SECRET_NAME = re.compile(r"PASSWORD|PASSPHRASE|SECRET|TOKEN|API_KEY|PRIVATE", re.I)
SECRET_VALUE = re.compile(
    r"sk_(live|test)_\w+|whsec_\w+|-----BEGIN [A-Z ]*PRIVATE KEY|AKIA[0-9A-Z]{16}|"
    r"\w+://[^/\s:@]+:[^/\s@]+@"  # a URL with a password in it
)


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_plaintext_secret_in_any_rendered_object(overlay: str) -> None:
    docs = render(overlay)
    # Secrets are created outside git (deploy/README.md), never rendered from it.
    assert [d["metadata"]["name"] for d in docs if d["kind"] == "Secret"] == []
    for doc in docs:
        for text in _strings(doc):
            assert not SECRET_VALUE.search(text), (doc["kind"], doc["metadata"]["name"], text)
            if re.fullmatch(r"[A-Za-z0-9+/]{40,}={0,2}", text):
                base64.b64decode(text)  # a long base64 blob: not expected anywhere
                raise AssertionError(f"base64 blob in {doc['kind']} {doc['metadata']['name']}")
    for workload in pod_workloads(overlay):
        for container in _containers(workload):
            for env in container.get("env", []):
                if SECRET_NAME.search(env["name"]):
                    assert "value" not in env, (workload["metadata"]["name"], env["name"])
                    assert "secretKeyRef" in env["valueFrom"], env["name"]
    for config in of_kind(overlay, "ConfigMap"):
        for key in config.get("data", {}):
            assert not SECRET_NAME.search(key), (config["metadata"]["name"], key)


# -- entry points (NetworkPolicies: test_network_policies.py) -----------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_links_in_mails_point_at_the_web_apps_ingress(overlay: str) -> None:
    (host,) = {r["host"] for r in named(overlay, "Ingress", "ladda-api")["spec"]["rules"]}
    config = named(overlay, "ConfigMap", "ladda-platform")["data"]
    assert config["LADDA_IDENTITY_PUBLIC_APP_URL"] == f"https://{host}"
    assert config["LADDA_NOTIFICATIONS_PUBLIC_BASE_URL"] == f"https://{host}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_ingress_serves_https_and_ocpp_websockets_without_stickiness(overlay: str) -> None:
    api = named(overlay, "Ingress", "ladda-api")
    ocpp = named(overlay, "Ingress", "ladda-ocpp")
    for ingress in (api, ocpp):
        hosts = {rule["host"] for rule in ingress["spec"]["rules"]}
        assert hosts <= {h for tls in ingress["spec"]["tls"] for h in tls["hosts"]}
        annotations = ingress["metadata"]["annotations"]
        assert annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true"
        assert not any("affinity" in key or "upstream-hash-by" in key for key in annotations)
    backend = ocpp["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "connectivity", "port": {"name": "ocpp"}}
    annotations = ocpp["metadata"]["annotations"]
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"]) >= 3600
    service = named(overlay, "Service", "connectivity")
    assert service["spec"].get("sessionAffinity", "None") == "None"
