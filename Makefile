# The two commands of the README: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MODEL_DIR := models/all-MiniLM-L6-v2

.PHONY: run test lint install model clean bench

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch first, pinned to the CPU build on this disk, so nothing pulls a CUDA build.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) model

# The tuned model is the base model plus the committed adapter
# (models/jobbro-minilm-da-adapter/, <1 MB): assembled here, never trained here.
model: $(STAMP)
	$(BIN)/python -m services.ml.model_setup $(MODEL_DIR)
	$(BIN)/python -m services.ml.assemble

run: install
	$(BIN)/jobbro db upgrade
	$(BIN)/jobbro demo load
	$(BIN)/jobbro serve

lint: $(STAMP)
	$(BIN)/ruff check services shared tests bench migrations
	$(BIN)/ruff format --check services shared tests bench migrations
	$(BIN)/mypy services shared

test: install lint
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/joborders.py
	$(BIN)/python bench/matching.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
