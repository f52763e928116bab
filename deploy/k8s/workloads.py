"""The pod specs of Ladda's workloads: one function per kind of object, one table of services.

Used by `generate.py`; everything a workload needs from the platform (database, Kafka user,
secrets, probes, limits, spread, autoscaling, disruption budget, service account) is here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import platform_model as model

KAFKA_CLUSTER = "ladda-kafka"
POSTGRES_CLUSTER = "ladda-postgres"
# The brokers' one listener (TLS, SCRAM-SHA-512; base/kafka/cluster.yaml).
KAFKA_PORT = 9093
KAFKA_BOOTSTRAP = f"{KAFKA_CLUSTER}-kafka-bootstrap:{KAFKA_PORT}"
POSTGRES_CA = "/etc/ladda/postgres-ca"
KAFKA_CA = "/etc/ladda/kafka-ca"


@dataclass(frozen=True)
class SecretEnv:
    env: str
    secret: str
    key: str
    optional: bool = False


@dataclass(frozen=True)
class Workload:
    name: str
    factory: str
    database: bool = True
    ocpp: bool = False
    secrets: tuple[SecretEnv, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    # ConfigMaps of its own settings, besides the platform's (base/platform-config.yaml).
    config_maps: tuple[str, ...] = ()
    cpu: str = "100m"
    memory: str = "256Mi"
    cpu_limit: str = "1"
    memory_limit: str = "512Mi"
    min_replicas: int = 2
    max_replicas: int = 6


def _app_secret(service: str, env: str, key: str, optional: bool = False) -> SecretEnv:
    return SecretEnv(env, f"ladda-{service}", key, optional)


WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in (
        Workload(
            "identity",
            "services.identity.app:create_app",
            secrets=(
                _app_secret(
                    "identity", "LADDA_IDENTITY_SIGNING_KEY_PASSPHRASE", "signing-key-passphrase"
                ),
                _app_secret(
                    "identity", "LADDA_BOOTSTRAP_ADMIN_EMAIL", "bootstrap-admin-email", True
                ),
                _app_secret(
                    "identity", "LADDA_BOOTSTRAP_ADMIN_PASSWORD", "bootstrap-admin-password", True
                ),
                # Service accounts (notifications'), JSON with their secrets: deploy/README.md.
                _app_secret("identity", "LADDA_BOOTSTRAP_CLIENTS", "bootstrap-clients", True),
            ),
            # Password hashing (argon2, 64 MiB each) is the heavy part of identity.
            cpu="250m",
            memory="384Mi",
            memory_limit="1Gi",
        ),
        Workload(
            "connectivity",
            "services.connectivity.app:create_app",
            ocpp=True,
            env={"LADDA_CONNECTIVITY_OCPP_HOST": "0.0.0.0", "LADDA_CONNECTIVITY_OCPP_PORT": "9000"},
            cpu="500m",
            memory="512Mi",
            cpu_limit="2",
            memory_limit="2Gi",
            max_replicas=12,
        ),
        Workload("booking", "services.booking.app:create_app"),
        Workload(
            "payment",
            "services.payment.app:create_app",
            secrets=(
                _app_secret("payment", "LADDA_PAYMENT_STRIPE_API_KEY", "stripe-api-key"),
                _app_secret(
                    "payment", "LADDA_PAYMENT_STRIPE_WEBHOOK_SECRET", "stripe-webhook-secret"
                ),
                _app_secret(
                    "payment", "LADDA_PAYMENT_GUEST_LINK_SECRET", "guest-link-secret", True
                ),
            ),
        ),
        Workload(
            "analytics", "services.analytics.app:create_app", memory_limit="1Gi", max_replicas=4
        ),
        Workload("operations", "services.operations.app:create_app", max_replicas=4),
        Workload("support", "services.support.app:create_app", max_replicas=4),
        Workload(
            "notifications",
            "services.notifications.app:create_app",
            # The operator's SMTP server and sender (ConfigMap ladda-notifications); the client
            # secret of its service account at identity, the SMTP credentials if any.
            config_maps=("ladda-notifications",),
            secrets=(
                _app_secret("notifications", "LADDA_NOTIFICATIONS_CLIENT_SECRET", "client-secret"),
                _app_secret(
                    "notifications", "LADDA_NOTIFICATIONS_SMTP_USERNAME", "smtp-username", True
                ),
                _app_secret(
                    "notifications", "LADDA_NOTIFICATIONS_SMTP_PASSWORD", "smtp-password", True
                ),
            ),
            max_replicas=4,
        ),
        Workload(
            "gateway",
            "gateway.app:create_app",
            database=False,
            env={
                "LADDA_GATEWAY_INTERNAL_HOST": "0.0.0.0",
                "LADDA_GATEWAY_INTERNAL_PORT": "9090",
                "LADDA_GATEWAY_WEB_DIST_DIR": "/app/web/dist",
            },
            cpu="250m",
            max_replicas=10,
        ),
    )
}


def labels(name: str, component: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": "ladda",
    }


def _secret_ref(name: str, key: str, optional: bool = False) -> dict[str, Any]:
    ref: dict[str, Any] = {"name": name, "key": key}
    if optional:
        ref["optional"] = True
    return {"secretKeyRef": ref}


def _env(w: Workload) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = [{"name": k, "value": v} for k, v in w.env.items()]
    if w.name == "connectivity":
        # The pod name (connectivity-0, -1, ...) is the replica's id: consumer groups, presence.
        env.append(
            {
                "name": "LADDA_CONNECTIVITY_REPLICA_ID",
                "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}},
            }
        )
    if w.database:
        prefix = f"LADDA_{w.name.upper()}"
        # The URL names host, database and role; the password comes from the role's secret
        # (asyncpg reads PGPASSWORD), the CA from the one CloudNativePG generates.
        url = (
            f"postgresql://{w.name}@{POSTGRES_CLUSTER}-rw:5432/{w.name}"
            f"?sslmode=verify-full&sslrootcert={POSTGRES_CA}/ca.crt"
        )
        env.append({"name": f"{prefix}_DATABASE_URL", "value": url})
        env.append({"name": "PGPASSWORD", "valueFrom": _secret_ref(f"{w.name}-db", "password")})
    # The services it calls by a `<service>_url` setting, through their Services.
    env += [
        {"name": f"LADDA_{w.name.upper()}_{peer.upper()}_URL", "value": f"http://{peer}"}
        for peer in model.url_settings(w.name)
    ]
    # SCRAM-SHA-512 over TLS: the password is generated by Strimzi's User Operator.
    env += [
        {"name": "LADDA_KAFKA_SECURITY_PROTOCOL", "value": "SASL_SSL"},
        {"name": "LADDA_KAFKA_SASL_MECHANISM", "value": "SCRAM-SHA-512"},
        {"name": "LADDA_KAFKA_SASL_USERNAME", "value": f"{w.name}-kafka"},
        {
            "name": "LADDA_KAFKA_SASL_PASSWORD",
            "valueFrom": _secret_ref(f"{w.name}-kafka", "password"),
        },
        {"name": "LADDA_KAFKA_SSL_CAFILE", "value": f"{KAFKA_CA}/ca.crt"},
    ]
    env += [
        {"name": s.env, "valueFrom": _secret_ref(s.secret, s.key, s.optional)} for s in w.secrets
    ]
    return env


def _volumes(w: Workload) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    volumes: list[dict[str, Any]] = [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}]
    mounts: list[dict[str, Any]] = [{"name": "tmp", "mountPath": "/tmp"}]  # noqa: S108 (its own emptyDir)
    if w.database:
        volumes.append(
            {
                "name": "postgres-ca",
                "secret": {
                    "secretName": f"{POSTGRES_CLUSTER}-ca",
                    "items": [{"key": "ca.crt", "path": "ca.crt"}],
                },
            }
        )
        mounts.append({"name": "postgres-ca", "mountPath": POSTGRES_CA, "readOnly": True})
    volumes.append(
        {
            "name": "kafka-ca",
            "secret": {
                "secretName": f"{KAFKA_CLUSTER}-cluster-ca-cert",
                "items": [{"key": "ca.crt", "path": "ca.crt"}],
            },
        }
    )
    mounts.append({"name": "kafka-ca", "mountPath": KAFKA_CA, "readOnly": True})
    return volumes, mounts


CONTAINER_SECURITY = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "capabilities": {"drop": ["ALL"]},
}


def _ports(w: Workload) -> list[dict[str, Any]]:
    ports = [{"name": "http", "containerPort": 8000}]
    if w.ocpp:
        ports.append({"name": "ocpp", "containerPort": 9000})
    if w.name == "gateway":
        # /metrics and the detailed /readyz, for Prometheus only.
        ports.append({"name": "internal", "containerPort": 9090})
    return ports


def pod_template(w: Workload) -> dict[str, Any]:
    component = "gateway" if w.name == "gateway" else "service"
    volumes, mounts = _volumes(w)
    command = [
        "python",
        "-m",
        "uvicorn",
        w.factory,
        "--factory",
        "--host",
        "0.0.0.0",
        "--port",
        "8000",
        "--no-access-log",
    ]
    container: dict[str, Any] = {
        "name": w.name,
        "image": "ladda",
        "command": command,
        "ports": _ports(w),
        "envFrom": [
            {"configMapRef": {"name": name}} for name in ("ladda-platform", *w.config_maps)
        ],
        "env": _env(w),
        "startupProbe": {
            "httpGet": {"path": "/healthz", "port": "http"},
            "periodSeconds": 2,
            "failureThreshold": 30,
        },
        "readinessProbe": {
            "httpGet": {"path": "/readyz", "port": "http"},
            "periodSeconds": 5,
            "timeoutSeconds": 3,
        },
        "livenessProbe": {
            "httpGet": {"path": "/healthz", "port": "http"},
            "periodSeconds": 10,
            "timeoutSeconds": 3,
            "failureThreshold": 6,
        },
        "resources": {
            "requests": {"cpu": w.cpu, "memory": w.memory},
            "limits": {"cpu": w.cpu_limit, "memory": w.memory_limit},
        },
        "securityContext": CONTAINER_SECURITY,
        "volumeMounts": mounts,
    }
    spec: dict[str, Any] = {
        "serviceAccountName": w.name,
        "automountServiceAccountToken": False,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "runAsGroup": 10001,
            "fsGroup": 10001,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "terminationGracePeriodSeconds": 60 if w.ocpp else 30,
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": key,
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": {"app.kubernetes.io/name": w.name}},
            }
            for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
        ],
        "containers": [container],
        "volumes": volumes,
    }
    if w.database:
        # Migrations first: a failing one keeps the new pod in Init, the old ones keep serving.
        spec["initContainers"] = [
            {
                "name": "migrate",
                "image": "ladda",
                "command": ["python", "/app/migrate.py", w.factory.split(":")[0]],
                "env": [e for e in container["env"] if not e["name"].startswith("LADDA_KAFKA_")],
                "envFrom": container["envFrom"],
                "resources": container["resources"],
                "securityContext": CONTAINER_SECURITY,
                "volumeMounts": mounts,
            }
        ]
    pod_labels = labels(w.name, component)
    pod_labels["ladda.io/kafka-client"] = "true"
    if w.database:
        pod_labels["ladda.io/database-client"] = "true"
    return {"metadata": {"labels": pod_labels}, "spec": spec}


def workload(w: Workload) -> dict[str, Any]:
    component = "gateway" if w.name == "gateway" else "service"
    spec: dict[str, Any] = {
        "replicas": w.min_replicas,
        "selector": {"matchLabels": {"app.kubernetes.io/name": w.name}},
        "template": pod_template(w),
    }
    kind = "Deployment"
    if w.name == "connectivity":
        # Stable pod names are the replicas' ids: a rolled pod resumes its consumer groups.
        kind = "StatefulSet"
        spec["serviceName"] = "connectivity-pods"
        spec["podManagementPolicy"] = "Parallel"
        spec["updateStrategy"] = {"type": "RollingUpdate"}
    else:
        spec["strategy"] = {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0},
        }
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": w.name, "labels": labels(w.name, component)},
        "spec": spec,
    }


def services(w: Workload) -> list[dict[str, Any]]:
    component = "gateway" if w.name == "gateway" else "service"
    ports = [{"name": "http", "port": 80, "targetPort": "http"}]
    if w.ocpp:
        ports.append({"name": "ocpp", "port": 9000, "targetPort": "ocpp"})
    main = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": w.name, "labels": labels(w.name, component)},
        # No sessionAffinity: a charger may land on any connectivity replica.
        "spec": {"selector": {"app.kubernetes.io/name": w.name}, "ports": ports},
    }
    # Prometheus scrapes every pod through a headless Service of its own (ladda.io/metrics).
    metrics_port = "internal" if w.name == "gateway" else "http"
    metrics_labels = {**labels(w.name, component), "ladda.io/metrics": "true"}
    pods = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": f"{w.name}-pods", "labels": metrics_labels},
        "spec": {
            "clusterIP": "None",
            "selector": {"app.kubernetes.io/name": w.name},
            "ports": [
                {
                    "name": "metrics",
                    "port": 9090 if w.name == "gateway" else 8000,
                    "targetPort": metrics_port,
                }
            ],
        },
    }
    return [main, pods]


def service_account(w: Workload) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": w.name, "labels": labels(w.name, "service")},
        "automountServiceAccountToken": False,
    }


def disruption_budget(w: Workload) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": w.name},
        "spec": {
            "maxUnavailable": 1,
            "selector": {"matchLabels": {"app.kubernetes.io/name": w.name}},
        },
    }


# Average live OCPP connections per connectivity pod before another replica is added.
CONNECTIONS_PER_REPLICA = "3000"


def autoscaler(w: Workload) -> dict[str, Any]:
    metrics: list[dict[str, Any]] = [
        {
            "type": "Resource",
            "resource": {
                "name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 70},
            },
        }
    ]
    if w.ocpp:
        # Served by prometheus-adapter (deploy/README.md, "Scaling").
        metrics.insert(
            0,
            {
                "type": "Pods",
                "pods": {
                    "metric": {"name": "ladda_ocpp_connections"},
                    "target": {"type": "AverageValue", "averageValue": CONNECTIONS_PER_REPLICA},
                },
            },
        )
    kind = "StatefulSet" if w.name == "connectivity" else "Deployment"
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": w.name},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": kind, "name": w.name},
            "minReplicas": w.min_replicas,
            "maxReplicas": w.max_replicas,
            "metrics": metrics,
            # Chargers reconnect after a scale-in: shrink slowly.
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 600 if w.ocpp else 300}},
        },
    }


def service_monitor(w: Workload) -> dict[str, Any]:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": w.name, "labels": labels(w.name, "monitoring")},
        "spec": {
            "selector": {
                "matchLabels": {"app.kubernetes.io/name": w.name, "ladda.io/metrics": "true"}
            },
            "endpoints": [{"port": "metrics", "path": "/metrics", "interval": "30s"}],
        },
    }
