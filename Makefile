# `make run` and `make test` are all the set-up a fresh machine with Python >= 3.11 needs:
# both create/refresh the local virtual environment in .venv first.
PYTHON ?= python3
VENV   ?= .venv
PORT   ?= 8501
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-core test-app test-e2e lint bench check-sample clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,kubernetes]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/streamlit run app.py --server.port $(PORT)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

test-core: $(STAMP)
	$(BIN)/python -m pytest tests/core

test-app: $(STAMP)
	$(BIN)/python -m pytest tests/app

test-e2e: $(STAMP)
	$(BIN)/python -m pytest tests/e2e

lint: $(STAMP)
	$(BIN)/ruff check .

check-sample: $(STAMP)
	$(BIN)/mesdoctor check sample_data/

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
