"""Write the gateway's merged OpenAPI document to `web/openapi.json`, without a running stack.

Each service's FastAPI app is built (no lifespan runs: no database, no Kafka) and asked for its
document; the gateway's own merge (`gateway.openapi.merge_documents`, with the default routing
table and public allow-list) joins them exactly as `GET /openapi.json` does at run time. The web
app's typed client is generated from the saved file, and `tests/web/test_openapi_drift.py` fails
when the saved file and the code disagree.

Usage (from the repository root): `.venv/bin/python web/scripts/export_openapi.py [--check]`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "web" / "openapi.json"
SERVICES = (
    "analytics",
    "booking",
    "connectivity",
    "identity",
    "notifications",
    "operations",
    "payment",
    "support",
)
# Values the settings require; nothing connects to them while the document is built.
PLACEHOLDERS: dict[str, Any] = {
    "database_url": "postgresql://openapi-export@127.0.0.1:1/unused",
    "signing_key_passphrase": "openapi-export",
    "stripe_api_key": "sk_test_openapi_export",
}


def service_document(service: str) -> dict[str, Any]:
    app_module = importlib.import_module(f"services.{service}.app")
    settings_class = importlib.import_module(f"services.{service}.settings").Settings
    wanted = {k: v for k, v in PLACEHOLDERS.items() if k in settings_class.model_fields}
    document: dict[str, Any] = app_module.create_app(settings_class(**wanted)).openapi()
    return document


def merged_document() -> dict[str, Any]:
    from gateway.openapi import merge_documents
    from gateway.routing import AccessPolicy, RoutingTable
    from gateway.settings import GatewaySettings

    settings = GatewaySettings()
    return merge_documents(
        {service: service_document(service) for service in SERVICES},
        table=RoutingTable(settings.routes),
        policy=AccessPolicy(settings.public_routes, settings.role_groups),
    )


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the saved file is stale")
    args = parser.parse_args()
    text = render(merged_document())
    if args.check:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET} is stale: run `make web-openapi`", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)} ({len(document_paths(text))} paths)")
    return 0


def document_paths(text: str) -> list[str]:
    return list(json.loads(text)["paths"])


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
