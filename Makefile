# Casa del Cittadino: the two commands that matter are `make run` and `make test`.
# Both install what they need on a fresh Debian machine (idempotently).

SHELL := /bin/bash
CARGO ?= cargo
SHARED ?= $(abspath ../shared)
BOUNDARIES ?= $(SHARED)/geo/bari-metro-municipalities.geojson
DATA_DIR ?= ./data
export CASA_SHARED_DIR ?= $(SHARED)
export CASA_TEST_PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: all setup pg js assets build run app test bench api-fuzz fmt lint clean help

all: build

help:
	@echo "make run    start the server on SQLite with the 41 Comuni (http://127.0.0.1:8080)"
	@echo "make app    the citizen app (desktop) against a local server on http://127.0.0.1:8080"
	@echo "make test   every test, storage tests on SQLite and PostgreSQL"
	@echo "make bench  benchmarks (routing, ingest, device sync, app start); figures go in BENCHMARKS.md"
	@echo "make api-fuzz  schemathesis against /api/v1/openapi.json on both databases"
	@echo "make fmt lint"

setup:
	@scripts/setup.sh

# PostgreSQL for the storage tests: started if installed but down, installed if absent.
pg: setup
	@scripts/ensure-postgres.sh

# npm packages for the JavaScript-driven tests (tus-js-client...), from the lockfile.
js: setup
	@cd tests/js && if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
		npm ci --no-audit --no-fund --loglevel=error; fi

# Bootstrap Italia for the staff dashboard, from the lockfile (served under /dashboard/static).
assets: setup
	@cd assets/dashboard && if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
		npm ci --no-audit --no-fund --loglevel=error; fi

build: setup assets
	$(CARGO) build --locked -p casa-sync-server --bin casa-server

run: build
	@if [ -f "$(BOUNDARIES)" ]; then \
		./target/debug/casa-server --data-dir $(DATA_DIR) boundaries import "$(BOUNDARIES)"; \
	else \
		echo "Confini ufficiali non trovati in $(BOUNDARIES): instradamento approssimato / official boundaries not found: approximate routing"; \
	fi
	./target/debug/casa-server --data-dir $(DATA_DIR) serve --bind 127.0.0.1:8080

# The citizen app against a local server: the server is started for the app
# (unless one already answers on 8080) and stopped when the app closes.
# Options: APP_ARGS="--location 41.1307,16.8700,8 --photos-dir ~/Pictures".
APP_DATA_DIR ?= $(DATA_DIR)/phone
app: setup assets
	$(CARGO) build --locked -p casa-sync-server --bin casa-server -p casa-mobile --bin casa
	@if curl -fsS http://127.0.0.1:8080/healthz >/dev/null 2>&1; then \
		./target/debug/casa --data-dir $(APP_DATA_DIR) --server http://127.0.0.1:8080 $(APP_ARGS); \
	else \
		if [ -f "$(BOUNDARIES)" ]; then ./target/debug/casa-server --data-dir $(DATA_DIR) boundaries import "$(BOUNDARIES)"; fi; \
		./target/debug/casa-server --data-dir $(DATA_DIR) serve --bind 127.0.0.1:8080 & server=$$!; \
		trap "kill $$server 2>/dev/null" EXIT; \
		./target/debug/casa --data-dir $(APP_DATA_DIR) --server http://127.0.0.1:8080 $(APP_ARGS); \
	fi

test: pg js assets
	$(CARGO) build --locked --workspace --all-targets
	$(CARGO) test --locked --workspace --no-fail-fast

bench: pg
	@scripts/setup.sh bench
	$(CARGO) build --locked --release -p casa-sync-server --bin casa-server
	$(CARGO) bench --locked -p casa-shared-model --bench routing
	$(CARGO) bench --locked -p casa-mobile --bench photo
	$(CARGO) run --locked --release -q -p casa-e2e --bin casa-bench -- ingest --backend sqlite --reports 50000
	$(CARGO) run --locked --release -q -p casa-e2e --bin casa-bench -- ingest --backend postgres --reports 50000
	$(CARGO) run --locked --release -q -p casa-e2e --bin casa-bench -- device --backend sqlite
	$(CARGO) run --locked --release -q -p casa-e2e --bin casa-bench -- device --backend postgres
	$(CARGO) run --locked --release -q -p casa-e2e --bin casa-bench -- signatures --backend sqlite
	$(CARGO) run --locked --release -q -p casa-e2e --bin casa-bench -- signatures --backend postgres
	$(CARGO) run --locked --release -q -p casa-e2e --bin casa-app-bench

# schemathesis against the OpenAPI document, on SQLite and PostgreSQL:
# no 5xx, no answer outside its schema. MAX_TIME=seconds per backend.
api-fuzz: pg
	@scripts/api-fuzz.sh

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

clean:
	$(CARGO) clean
