# One task runner. `make run` sets up, indexes corpus/ if needed and opens the app; `make test` tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run install test lint bench clean

run: install
	-$(BIN)/rag ingest
	$(BIN)/python app.py

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.test-installed: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

test: $(VENV)/.test-installed
	$(BIN)/pytest

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python bench/ingest_scifact.py
	$(BIN)/python bench/passages.py
	$(BIN)/python bench/retrieval_quality.py --grid
	$(BIN)/python bench/retrieval_speed.py --profile
	$(BIN)/python bench/ask_latency.py

clean:
	rm -rf $(VENV) index
