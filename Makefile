# One command sets everything up and runs the job: `make plan` (offline plan of the dev stack), `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STACK ?= dev

.PHONY: plan test lint bench clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

plan: $(BIN)/.installed
	$(BIN)/python -m components.plan $(STACK)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

bench: $(BIN)/.installed
	$(BIN)/python -m tests.benchmark

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
