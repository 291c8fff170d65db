# Loa Phường: `make run` starts the service with a demo ward; `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8080
# The local PostgreSQL that the suite also runs on when it answers.
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: run test lint format test-sqlite test-postgres bench install system-deps clean network-demo

system-deps:
	@bash scripts/system-deps.sh

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install -q --upgrade pip setuptools wheel 2>&1 | grep -v "^WARNING: Location" || true
	@$(BIN)/pip install -q -e '.[dev]' 2>&1 | grep -v "^WARNING: Location" ; test $${PIPESTATUS[0]} -eq 0
	@touch $(STAMP)

install: system-deps $(STAMP)

run: install
	@$(BIN)/broadcast db upgrade
	@$(BIN)/broadcast demo --if-empty
	@$(BIN)/broadcast serve --host $(HOST) --port $(PORT)

# The two databases' runs go side by side (two cores; the PostgreSQL run leaves out the `once` tests),
# each run's output printed whole when it ends (--output-sync), so CI's time is the longer run's, not the sum.
test: install lint
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

# ruff keeps the tree tidy: lint rules and format settings live in pyproject.toml.
lint: install
	@$(BIN)/ruff check --quiet .
	@$(BIN)/ruff format --check --quiet .

format: install
	@$(BIN)/ruff check --fix --quiet . || true
	@$(BIN)/ruff format --quiet .

test-sqlite: install
	@echo "== test suite on SQLite =="
	@$(BIN)/pytest -q -p no:cacheprovider

test-postgres: install
	@if $(BIN)/python scripts/pg_ready.py "$(PG_TEST_URL)"; then \
		echo "== test suite on PostgreSQL ($(PG_TEST_URL)) =="; \
		BROADCAST_TEST_DATABASE_URL="$(PG_TEST_URL)" $(BIN)/pytest -q -p no:cacheprovider; \
	else \
		echo "PostgreSQL does not answer at $(PG_TEST_URL): PostgreSQL run skipped."; \
	fi

bench: install
	@$(BIN)/python -m bench

# The station network on this machine (Mosquitto, Icecast, web, scheduler, two agents), for a look before
# installing it across sites; Ctrl+C stops it. Options: $(BIN)/broadcast network-demo --help.
network-demo: install
	@$(BIN)/broadcast network-demo --port $(PORT)

clean:
	rm -rf $(VENV) .pytest_cache bench/results.json
