PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
# glances (the side-by-side baseline) and py-spy live in their own venv: glances pins
# its own psutil and friends, which must not change what the console's tests run with
BENCH_VENV ?= .venv-bench
BENCH_ARGS ?=

.PHONY: demo test lint format bench bench-quick bench-micro clean

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

$(BENCH_VENV)/.glances:
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet glances==4.5.8 py-spy
	@touch $@

# side by side with glances in tmux: medians of 3 runs, written to bench/results.md.
# console/ is compiled first, as pip compiles an installed wheel (and glances): with
# PYTHONDONTWRITEBYTECODE set, an editable install would compile it at every launch
bench: $(BIN)/genesis-console $(BENCH_VENV)/.glances
	$(BIN)/python -m compileall -q console
	$(BIN)/python bench/side_by_side.py $(BENCH_ARGS)

bench-quick: $(BIN)/genesis-console $(BENCH_VENV)/.glances
	$(BIN)/python -m compileall -q console
	$(BIN)/python bench/side_by_side.py --quick --output bench/results-quick.md $(BENCH_ARGS)

# the pytest-benchmark micro benchmarks (first paint in the pilot, a 2,000-row refresh)
bench-micro: $(VENV)/.dev
	$(BIN)/python -m pytest -q bench --benchmark-only

clean:
	rm -rf $(VENV) $(BENCH_VENV) dist build .pytest_cache .ruff_cache
