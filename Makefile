# Ladda: `make run` starts the whole platform on this machine; `make test` tests it for real.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STACK  := $(BIN)/python deploy/local/stack.py

.PHONY: help setup run up down infra status logs test test-fast lint fmt bench bench-full bench-report clean web web-openapi web-test web-lint

help:
	@echo "make run    start PostgreSQL, Kafka, the Stripe test server, every service, the gateway"
	@echo "            and simulated chargers in the foreground (Ctrl-C stops everything)"
	@echo "make up     the same, detached;  make down  stop it (data kept);  make status"
	@echo "make logs   follow every log under .local/logs/"
	@echo "make test   every test against the real local stack (starts what it needs)"
	@echo "make lint   ruff + mypy + eslint + tsc;  make fmt  apply ruff's fixes and formatting"
	@echo "make web    build the web app (web/dist) the gateway serves at /"
	@echo "make bench  benchmarks, each reported as a ratio against a baseline in the same run"
	@echo "            (about 6 min; make bench-full: the long figures; make bench-report: charts)"
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

# Independent test modules run on two workers (a database per worker and module); the tests
# that restart PostgreSQL or Kafka run afterwards, alone.
PYTEST_WORKERS ?= 2
test: infra web web-test
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile -m "not disruptive"
	$(BIN)/pytest -m disruptive

lint: setup web-lint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared services gateway tools

fmt: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: infra
	$(BIN)/python -m tools.bench

bench-full: infra
	$(BIN)/python -m tools.bench --full

bench-report: setup
	$(BIN)/python -m tools.bench.report

clean: down
	rm -rf .local
