PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: demo test lint format bench clean

$(BIN)/genesis-console: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.dev: $(BIN)/genesis-console
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

demo: $(BIN)/genesis-console
	$(BIN)/genesis-console demo

test: $(VENV)/.dev
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check console tests bench
	$(BIN)/ruff format --check console tests bench
	$(BIN)/mypy console

format: $(VENV)/.dev
	$(BIN)/ruff format console tests bench
	$(BIN)/ruff check --fix console tests bench

bench: $(VENV)/.dev
	$(BIN)/python -m pytest -q bench --benchmark-only

clean:
	rm -rf $(VENV) dist build .pytest_cache .ruff_cache
