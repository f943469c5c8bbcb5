# openbss developer commands. `make run` and `make test` set everything up themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
DB ?= sqlite:///openbss.db
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: venv run test test-pg lint ctk bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

## run: migrate a SQLite file, load the demo data, print a token and serve on $(HOST):$(PORT)
run: $(STAMP)
	$(BIN)/openbss db upgrade --database $(DB)
	$(BIN)/openbss demo --database $(DB)
	@echo "An agent token for the API (pass it as 'Authorization: Bearer <token>'):"
	@$(BIN)/openbss token create --role agent
	@echo "More: .venv/bin/openbss token create --role admin|agent|billing|customer|partner [--party ID]"
	$(BIN)/openbss serve --host $(HOST) --port $(PORT) --database $(DB)

## test: the whole test suite on SQLite
test: $(STAMP)
	$(BIN)/pytest -n 2

## test-pg: the whole test suite on PostgreSQL
test-pg: $(STAMP)
	OPENBSS_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/mypy

## ctk: the TM Forum conformance kits against a fresh server (needs ../shared and Node.js)
ctk: $(STAMP)
	bash .ci/ctk.sh

bench: $(STAMP)
	$(BIN)/openbss bench api --customers 100000

clean:
	rm -rf $(VENV) openbss.db openbss.db-wal openbss.db-shm openbss.db.writer-lock openbss.db.checkpoint-lock openbss.db.statistics .pytest_cache .mypy_cache .ruff_cache
