"""The web app's typed client is generated from `web/openapi.json`; it must be the document the
gateway serves for the code as it is now. Regenerate with `make web-openapi`."""

from __future__ import annotations

import importlib.util
import json

from tests.helpers.stack import ROOT

SCRIPT = ROOT / "web" / "scripts" / "export_openapi.py"


def test_saved_openapi_document_matches_the_services() -> None:
    spec = importlib.util.spec_from_file_location("export_openapi", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    current = module.render(module.merged_document())
    saved = (ROOT / "web" / "openapi.json").read_text(encoding="utf-8")
    assert json.loads(saved)["paths"].keys() == json.loads(current)["paths"].keys(), (
        "web/openapi.json has other paths than the services: run `make web-openapi`"
    )
    assert saved == current, "web/openapi.json is stale: run `make web-openapi`"
