# One command sets everything up and runs the job: `make plan` (offline plan of the dev stack), `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STACK ?= dev

.PHONY: plan test lint security bench schema rotation-image clean

$(BIN)/.installed: requirements.txt requirements-dev.txt rotation/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

plan: $(BIN)/.installed
	$(BIN)/python -m plan $(STACK)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# checkov gets its own venv: its pins conflict with Pulumi's.
CHECKOV_VENV := $(VENV)/checkov

$(CHECKOV_VENV)/.installed: tests/security/requirements.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/security/requirements.txt
	touch $@

# checkov once over the AKS sample stacks' Kubernetes objects; fails on unjustified or stale findings.
security: $(BIN)/.installed $(CHECKOV_VENV)/.installed
	$(BIN)/python -m tests.security.scan --checkov $(CHECKOV_VENV)/bin/checkov

# What the rotation image installs (rotation/Dockerfile: pip --target), alone: tests/test_rotation_image.py runs the
# command from it with the stdlib only, as in the image.
ROTATION_PACKAGES := $(VENV)/rotation-packages

$(ROTATION_PACKAGES)/.installed: $(BIN)/.installed rotation/requirements.txt
	rm -rf $(ROTATION_PACKAGES)
	$(BIN)/pip install --quiet --disable-pip-version-check --target $(ROTATION_PACKAGES) -r rotation/requirements.txt
	touch $@

test: lint security $(ROTATION_PACKAGES)/.installed
	$(BIN)/pytest -q

# Regenerate the stack files' JSON Schema from the args types (a test fails when the committed one is stale).
schema: $(BIN)/.installed
	$(BIN)/python -m components.config.schema

# The scheduled rotation's image (aks.scheduledRotation.image), built by ACR Tasks: no Docker engine needed.
# make rotation-image REGISTRY=myregistry TAG=1.0
rotation-image:
	az acr build --registry $(REGISTRY) --image speech-rotation:$(TAG) --file rotation/Dockerfile .

bench: $(BIN)/.installed $(ROTATION_PACKAGES)/.installed
	$(BIN)/python -m tests.benchmark

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
