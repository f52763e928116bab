"""One OpenAPI document for the whole API: every upstream's document, merged.

Each service's `/openapi.json` is fetched (at start, then again when the cached merge is older
than `openapi_cache_s`); only the paths the routing table sends to that service are kept;
components are merged, and a schema name two services define differently gets the service's
name in front (`BookingPage`) with every `$ref` rewritten. Every operation gets the gateway's
bearer scheme, except the public allow-list, which is marked as needing no token. An upstream
that does not answer is simply missing until it does (its last good document is kept).
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Callable
from typing import Any

import httpx
import structlog

from gateway.routing import AccessPolicy, RoutingTable
from gateway.settings import GatewaySettings
from shared.problems import document_problems

log = structlog.get_logger(__name__)

JsonDict = dict[str, Any]
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
BEARER = "bearerAuth"

# Answers the gateway itself may give on a proxied operation.
GATEWAY_RESPONSES: dict[str, str] = {
    "400": "A request the gateway refuses to forward (dot segments, ambiguous framing).",
    "429": "Too many requests; see Retry-After.",
    "502": "The service answered with a broken response.",
    "503": "The service is unavailable; try again shortly.",
    "504": "The service did not answer in time.",
}


def _gateway_statuses(policy: AccessPolicy) -> Callable[[str, str, JsonDict], dict[str, str]]:
    def statuses(method: str, path: str, operation: JsonDict) -> dict[str, str]:
        found = dict(GATEWAY_RESPONSES)
        if not policy.is_public(method.upper(), path):
            found["401"] = "A valid access token is required."
            if policy.roles_for(path) is not None:
                found["403"] = "This area needs another role."
        if "requestBody" in operation:
            found["413"] = "The request body is too large."
        return found

    return statuses


def _rewrite_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value in renames:
                out[key] = renames[value]
            else:
                out[key] = _rewrite_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def merge_documents(
    documents: dict[str, JsonDict],
    *,
    table: RoutingTable,
    policy: AccessPolicy,
    title: str = "Ladda API",
    unavailable: list[str] | None = None,
) -> JsonDict:
    """Merge the services' documents (service name -> document) into the gateway's."""
    paths: JsonDict = {}
    components: dict[str, JsonDict] = {}
    tags: dict[str, JsonDict] = {}
    operation_ids: set[str] = set()
    for service in sorted(documents):
        document = documents[service]
        prefix = service[:1].upper() + service[1:]
        source_components: dict[str, JsonDict] = document.get("components") or {}
        renames: dict[str, str] = {}
        for kind, entries in source_components.items():
            if kind == "securitySchemes":
                continue  # replaced by the gateway's bearer scheme
            existing = components.setdefault(kind, {})
            for name, value in entries.items():
                if name in existing and existing[name] != value:
                    renames[f"#/components/{kind}/{name}"] = f"#/components/{kind}/{prefix}{name}"
        for kind, entries in source_components.items():
            if kind == "securitySchemes":
                continue
            existing = components[kind]
            for name, value in entries.items():
                target = renames.get(f"#/components/{kind}/{name}", f"#/components/{kind}/{name}")
                existing[target.rsplit("/", 1)[1]] = _rewrite_refs(value, renames)
        for path, item in (document.get("paths") or {}).items():
            if table.service_for(path) != service:
                continue  # not routed to this service: not reachable through the gateway
            item = _rewrite_refs(copy.deepcopy(item), renames)
            for method in HTTP_METHODS:
                operation = item.get(method)
                if not isinstance(operation, dict):
                    continue
                public = policy.is_public(method.upper(), path)
                operation["security"] = [] if public else [{BEARER: []}]
                operation_id = operation.get("operationId")
                if isinstance(operation_id, str):
                    if operation_id in operation_ids:
                        operation["operationId"] = f"{service}_{operation_id}"
                    operation_ids.add(operation["operationId"])
            paths[path] = item
        for tag in document.get("tags") or []:
            if isinstance(tag, dict) and "name" in tag:
                tags.setdefault(tag["name"], tag)
    components["securitySchemes"] = {
        BEARER: {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token from POST /v1/auth/login (ES256, at most 15 minutes).",
        }
    }
    description = (
        "The Ladda REST API for the apps, through one gateway. Every operation needs a bearer "
        "access token unless it is marked otherwise; errors are RFC 9457 problem+json."
    )
    if unavailable:
        description += (
            "\n\nNot answering right now (their operations are missing): "
            + ", ".join(sorted(unavailable))
            + "."
        )
    result: JsonDict = {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1.0.0", "description": description},
        "paths": dict(sorted(paths.items())),
        "components": components,
        "security": [{BEARER: []}],
    }
    if tags:
        result["tags"] = list(tags.values())
    # Every status an operation can answer, the services' and the gateway's own, as problems.
    return document_problems(result, extra=_gateway_statuses(policy))


class OpenApiAggregator:
    """Fetches the upstreams' documents and keeps the merged one, briefly cached."""

    def __init__(
        self, settings: GatewaySettings, *, table: RoutingTable, policy: AccessPolicy
    ) -> None:
        self._settings = settings
        self._table = table
        self._policy = policy
        self._documents: dict[str, JsonDict] = {}
        self._merged: JsonDict | None = None
        self._merged_at = float("-inf")
        self._lock = asyncio.Lock()
        self._http = httpx.AsyncClient(timeout=settings.openapi_fetch_timeout_s, trust_env=False)

    async def document(self) -> JsonDict:
        if self._merged is None or time.monotonic() - self._merged_at > self._ttl:
            async with self._lock:
                if self._merged is None or time.monotonic() - self._merged_at > self._ttl:
                    await self.refresh()
        assert self._merged is not None
        return self._merged

    async def complete(self) -> bool:
        """Whether the merged document holds every upstream (a readiness check)."""
        if self._missing():
            await self.document()  # looks again at most every 2 s while one is missing
        return not self._missing()

    def _missing(self) -> set[str]:
        return set(self._settings.services()) - set(self._documents)

    @property
    def _ttl(self) -> float:
        # While a service is missing, look again sooner.
        missing = self._missing()
        return (
            min(self._settings.openapi_cache_s, 2.0) if missing else self._settings.openapi_cache_s
        )

    async def refresh(self) -> None:
        services = self._settings.services()
        results = await asyncio.gather(*(self._fetch(service) for service in services))
        unavailable = []
        for service, document in zip(services, results, strict=True):
            if document is not None:
                self._documents[service] = document
            elif service not in self._documents:
                unavailable.append(service)
        self._merged = merge_documents(
            self._documents, table=self._table, policy=self._policy, unavailable=unavailable
        )
        self._merged_at = time.monotonic()

    async def _fetch(self, service: str) -> JsonDict | None:
        url = self._settings.upstream(service) + "/openapi.json"
        try:
            response = await self._http.get(url)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.info("gateway.openapi_fetch_failed", upstream=service, error=type(exc).__name__)
            return None
        return document if isinstance(document, dict) else None

    async def aclose(self) -> None:
        await self._http.aclose()
