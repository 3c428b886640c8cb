# One task runner. `make run` sets up, indexes corpus/ if needed and opens the app; `make test` tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run install test chromium screenshots lint bench clean

# The sizes of bench/scale.py and bench/catch_up.py (e.g. `make bench SCALE_SIZES=100000,300000`);
# bench/keyword_engines.py runs at the last of them.
SCALE_SIZES ?= 100000
comma := ,

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

# The browser tests drive Debian's Chromium (never a browser downloaded by Playwright).
CHROMIUM := /usr/bin/chromium

# The suite runs twice: on embedded Chroma, then against a Chroma server it starts.
test: $(VENV)/.test-installed chromium
	$(BIN)/pytest
	RAG_TEST_CHROMA=server $(BIN)/pytest

chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	    if [ "$$(id -u)" != 0 ]; then \
	        echo "error: $(CHROMIUM) is missing; as root: apt-get install -y chromium" >&2; \
	        exit 1; \
	    fi; \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi

screenshots: $(VENV)/.test-installed chromium  # the README's pictures, taken by the browser test
	RAG_SCREENSHOTS=$(CURDIR)/docs $(BIN)/pytest tests/app/test_browser.py

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports  # the import contracts of pyproject.toml

bench: install
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python bench/embed_runtimes.py
	$(BIN)/python bench/ingest_overlap.py
	$(BIN)/python bench/ingest_scifact.py
	$(BIN)/python bench/passages.py
	$(BIN)/python bench/retrieval_quality.py --grid
	$(BIN)/python bench/bm25_profiles.py
	$(BIN)/python bench/retrieval_speed.py --profile
	$(BIN)/python bench/ask_latency.py
	$(BIN)/python bench/app_startup.py
	$(BIN)/python bench/question_encoder.py
	$(BIN)/python bench/judge_accuracy.py
	$(BIN)/python bench/news_answers.py
	$(BIN)/python bench/attribution.py --repeats 3
	$(BIN)/python bench/attribution.py --no-ingest --labels bench/attribution/heldout.jsonl
	$(BIN)/python bench/injections.py --policy
	$(BIN)/python bench/disagreements.py --pairs bench/disagreements/fresh.jsonl
	$(BIN)/python bench/disagreements.py --pairs bench/disagreements/fresh2.jsonl
	$(BIN)/python bench/disagreements.py
	$(BIN)/python bench/dates.py
	$(BIN)/python bench/question_time.py
	$(BIN)/python bench/disagreement_cost.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/keyword_engines.py --size $(lastword $(subst $(comma), ,$(SCALE_SIZES)))
	$(BIN)/python bench/scale.py --sizes $(SCALE_SIZES)
	$(BIN)/python bench/catch_up.py --sizes $(SCALE_SIZES)
	$(BIN)/python bench/catch_up.py --sizes $(SCALE_SIZES) --vectors none

clean:
	rm -rf $(VENV) index
