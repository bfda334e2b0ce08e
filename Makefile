# `make run` and `make test` are all the set-up a fresh machine with Python >= 3.11 needs:
# both create/refresh the local virtual environment in .venv first.
PYTHON ?= python3
VENV   ?= .venv
PORT   ?= 8501
# The dashboard listens on this address. Local mode (the default) stays on 127.0.0.1: any other address needs
# MESDOCTOR_MODE=shared or MESDOCTOR_EXPOSE_LOCAL_MODE=yes (docs/deploy.md), checked before Streamlit starts.
ADDRESS ?= 127.0.0.1
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The official SARIF 2.1.0 JSON Schema (2.1.0-rtm.5) for the SARIF output test, read from Microsoft's
# MIT-licensed @microsoft/jest-sarif npm package tarball by tests/tools/fetch_sarif_schema.py (Python only,
# pinned by sha256; PyPI has no package shipping it).
SARIF_SCHEMA := $(VENV)/share/sarif-2.1.0-rtm.5.json

.PHONY: run test test-core test-app test-e2e lint bench check-sample clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,kubernetes,auth]'
	@touch $(STAMP)

run: $(STAMP)
	@$(BIN)/python -m core.exposure $(ADDRESS)
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.address $(ADDRESS)

$(SARIF_SCHEMA): | $(STAMP)
	$(BIN)/python -m tests.tools.fetch_sarif_schema $@

test: $(STAMP) $(SARIF_SCHEMA)
	$(BIN)/ruff check .
	MES_DOCTOR_SARIF_SCHEMA=$(abspath $(SARIF_SCHEMA)) $(BIN)/python -m pytest

test-core: $(STAMP) $(SARIF_SCHEMA)
	MES_DOCTOR_SARIF_SCHEMA=$(abspath $(SARIF_SCHEMA)) $(BIN)/python -m pytest tests/core

test-app: $(STAMP)
	$(BIN)/python -m pytest tests/app

test-e2e: $(STAMP)
	$(BIN)/python -m pytest tests/e2e

lint: $(STAMP)
	$(BIN)/ruff check .

# speed and memory against the floor (parsing the same bytes), 100 / 1,000 / 10,000 MES: docs/performance.md
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

check-sample: $(STAMP)
	$(BIN)/mesdoctor check --sample --kuma-version 2.9 --zone eu-west-1

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
