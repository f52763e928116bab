# Ladda: `make run` starts the whole platform on this machine; `make test` tests it for real.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STACK  := $(BIN)/python deploy/local/stack.py

.PHONY: help setup run up down infra status logs test test-fast lint fmt bench bench-full \
	bench-report chaos clean web web-openapi web-test web-lint check-deploy deploy-manifests

help:
	@echo "make run    start PostgreSQL, Kafka, the Stripe test server, every service, the gateway"
	@echo "            and simulated chargers in the foreground (Ctrl-C stops everything)"
	@echo "make up     the same, detached;  make down  stop it (data kept);  make status"
	@echo "make logs   follow every log under .local/logs/"
	@echo "make test   every test against the real local stack (starts what it needs)"
	@echo "make lint   ruff + mypy + eslint + tsc;  make fmt  apply ruff's fixes and formatting"
	@echo "make web    build the web app (web/dist) the gateway serves at /"
	@echo "make check-deploy  render and validate the Kubernetes manifests, lint the image,"
	@echo "            validate deploy/compose.yaml (offline; no cluster, no container engine)"
	@echo "make bench  benchmarks, each reported as a ratio against a baseline in the same run"
	@echo "            (about 6 min; make bench-full: the long figures; make bench-report: charts)"
	@echo "make chaos  ~200 sessions while services, Kafka and PostgreSQL are killed, then count"
	@echo "            (a stack of its own under .local/chaos, never the one make run/test use)"
	@echo "make clean  stop everything and remove local data (.local/)"

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

# -- the web app (Node.js + npm): built into web/dist, served by the gateway at / ---------------
NPM ?= npm
WEB_SOURCES := $(shell find web/src web/public -type f ! -name schema.d.ts 2>/dev/null) \
	web/index.html web/vite.config.ts web/tsconfig.json web/openapi.json web/package.json

web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && $(NPM) ci --no-audit --no-fund
	touch $@

web/dist/index.html: web/node_modules/.installed $(WEB_SOURCES)
	cd web && $(NPM) run build

web: web/dist/index.html

# The merged OpenAPI document the typed client is generated from (no running stack needed).
web-openapi: setup
	$(BIN)/python web/scripts/export_openapi.py

web-test: web/node_modules/.installed
	cd web && $(NPM) run gen:api && $(NPM) test

web-lint: web/node_modules/.installed
	cd web && $(NPM) run gen:api && $(NPM) run lint

run: setup web
	$(STACK) run

up: setup web
	$(STACK) up

down:
	@if [ -x $(BIN)/python ]; then $(STACK) down; fi

status: setup
	$(STACK) status

logs: setup
	$(STACK) logs

infra: setup
	$(STACK) infra

# The offline deployment tests (tests/deploy/test_*.py) run in check-deploy, not twice.
NOT_OFFLINE := --ignore-glob='tests/deploy/test_*.py'
# Independent test modules run on two workers (a database per worker and module); the tests
# that restart PostgreSQL or Kafka run afterwards, alone.
PYTEST_WORKERS ?= 2
test: infra web web-test check-deploy
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile -m "not disruptive" $(NOT_OFFLINE)
	$(BIN)/pytest -m disruptive $(NOT_OFFLINE)

# -- the deployment (deploy/): validated offline, without a cluster or a container engine ------
# kustomize from the Go module proxy, pinned; built once into .local/tools (about a minute).
KUSTOMIZE_VERSION := v5.8.1
KUSTOMIZE := .local/tools/kustomize-$(KUSTOMIZE_VERSION)

$(KUSTOMIZE):
	mkdir -p .local/tools/go-bin $(dir $@)
	GOBIN=$(abspath .local/tools/go-bin) GOFLAGS=-buildvcs=false \
		go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)
	mv .local/tools/go-bin/kustomize $@

# Rewrite the manifests that follow from the code (topics, Kafka users, databases, workloads).
deploy-manifests: setup
	$(BIN)/python deploy/k8s/generate.py

# tests/deploy: generated manifests up to date, both overlays rendered and validated, Strimzi
# and CloudNativePG resources against the code, security properties, hadolint, Compose schema.
# They need no local stack (--confcutdir skips tests/conftest.py); tests/deploy/stack does, and
# runs with the other tests.
check-deploy: setup $(KUSTOMIZE)
	LADDA_KUSTOMIZE=$(abspath $(KUSTOMIZE)) $(BIN)/pytest -q --confcutdir=tests/deploy \
		--ignore=tests/deploy/stack tests/deploy

lint: setup web-lint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared services gateway tools

fmt: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: infra
	$(BIN)/python -m tools.bench

# Its own PostgreSQL, Kafka and localstripe (other ports, .local/chaos), stopped afterwards.
chaos: setup
	$(BIN)/python -m tools.chaos

bench-full: infra
	$(BIN)/python -m tools.bench --full

bench-report: setup
	$(BIN)/python -m tools.bench.report

clean: down
	rm -rf .local
