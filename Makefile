# Two commands on a fresh machine: `make serve` (service on the bundled data, SQLite)
# and `make test` (the test suite). Both create .venv and install the project first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
CLIENT_GENERATOR := $(VENV)/tools/bin/openapi-python-client
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install serve test lint

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# torch first: 2.13.0 is the CPU build; anything else would download gigabytes.
	$(BIN)/pip install --progress-bar on torch==2.13.0
	$(BIN)/pip install --progress-bar on -e '.[dev]'
	touch $(STAMP)

# openapi-python-client, for the test that generates a client from /openapi.json (tests
# only), in a venv of its own: it pins older typer and httpx than reskill's.
$(CLIENT_GENERATOR):
	$(PYTHON) -m venv $(VENV)/tools
	$(VENV)/tools/bin/pip install --progress-bar on openapi-python-client==0.29.1

serve: $(STAMP)
	$(BIN)/reskill init
	$(BIN)/reskill serve

test: $(STAMP) $(CLIENT_GENERATOR)
	$(BIN)/pytest -n auto --dist worksteal

lint: $(STAMP)
	$(BIN)/ruff check recommender api tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy recommender api

# Every benchmark, one table with bare baselines and a JSON copy in bench/results/ (python -m bench
# --help); the API rows need Debian's wrk.
.PHONY: bench
bench: $(STAMP)
	$(BIN)/python -m bench

# Load benchmark of the HTTP API (not run in CI): needs Debian's wrk (apt-get install -y wrk).
.PHONY: bench-api
bench-api: $(STAMP)
	$(BIN)/python bench/bench_api.py
