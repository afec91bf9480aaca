# The two commands a fresh machine needs are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

$(BIN)/eduport: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

# The test peers that come from npm (soketi and pusher-js, for the Pusher adapter's tests).
PEERS := tests/peers/node_modules/.package-lock.json
$(PEERS): tests/peers/package.json tests/peers/package-lock.json
	npm ci --prefix tests/peers --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: install peers run test lint unit
install: $(BIN)/eduport
peers: $(PEERS)

## Start the API on the embedded default: SQLite file in var/, inline jobs, no vendor accounts.
run: install
	$(BIN)/eduport migrate
	$(BIN)/eduport serve --host $(HOST) --port $(PORT)

## Lint, type-check, check the dependency rule, then run every test.
test: install peers lint
	bash .ci/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: install
	bash .ci/pytest tests/unit -q
