# Ladda: `make run` starts the whole platform on this machine; `make test` tests it for real.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STACK  := $(BIN)/python deploy/local/stack.py

.PHONY: help setup run up down infra status test test-fast lint fmt bench clean

help:
	@echo "make run    start PostgreSQL, Kafka, the Stripe test server, every service, the gateway"
	@echo "            and simulated chargers in the foreground (Ctrl-C stops everything)"
	@echo "make up     the same, detached;  make down  stop it (data kept);  make status"
	@echo "make test   every test against the real local stack (starts what it needs)"
	@echo "make lint   ruff + mypy;  make fmt  apply ruff's fixes and formatting"
	@echo "make bench  benchmarks, each reported as a ratio against a baseline in the same run"
	@echo "make clean  stop everything and remove local data (.local/)"

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

run: setup
	$(STACK) run

up: setup
	$(STACK) up

down:
	@if [ -x $(BIN)/python ]; then $(STACK) down; fi

status: setup
	$(STACK) status

infra: setup
	$(STACK) infra

# Independent test modules run on two workers (a database per worker and module); the tests
# that restart PostgreSQL or Kafka run afterwards, alone.
PYTEST_WORKERS ?= 2
test: infra
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile -m "not disruptive"
	$(BIN)/pytest -m disruptive

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared services gateway tools

fmt: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: infra
	$(BIN)/python -m tools.bench

clean: down
	rm -rf .local
