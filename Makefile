# The two commands of the README: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MODEL_DIR := models/all-MiniLM-L6-v2
# The browser tests drive Debian's Chromium at this path, never a downloaded one.
JOBBRO_CHROMIUM ?= /usr/bin/chromium

.PHONY: run test lint install model chromium openapi-linter clean bench

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

# As root, install Debian's chromium when it is missing (a fresh machine has the
# package lists of its image, so update only if the first try fails). Otherwise the
# browser tests skip, with one line saying how to install it. dpkg needs the sbin
# directories, which a clean environment's PATH may lack.
chromium:
	@if [ ! -x "$(JOBBRO_CHROMIUM)" ] && [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's chromium for the browser tests"; \
		export DEBIAN_FRONTEND=noninteractive PATH="$$PATH:/usr/sbin:/sbin"; \
		apt-get install -y -qq chromium >/dev/null 2>&1 \
		|| { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1; } \
		|| echo "could not install chromium; the browser tests will be skipped"; \
	fi

# The OpenAPI linter (Redocly CLI, the exact version in its package.json) from the npm
# registry into tests/api/openapi-lint/node_modules, when npm is present; otherwise its
# test is skipped and says why.
OPENAPI_LINT := tests/api/openapi-lint
openapi-linter:
	@if command -v npm >/dev/null 2>&1 && [ ! -x $(OPENAPI_LINT)/node_modules/.bin/redocly ]; then \
		echo "installing the OpenAPI linter ($(OPENAPI_LINT)/package.json)"; \
		npm install --prefix $(OPENAPI_LINT) --no-audit --no-fund --no-package-lock \
			--loglevel=error >/dev/null \
		|| echo "could not install the OpenAPI linter; its test will be skipped"; \
	fi

test: install lint chromium openapi-linter
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/joborders.py
	$(BIN)/python bench/matching.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
