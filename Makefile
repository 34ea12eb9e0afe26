# Two entry points: `make run` (set up, run the default local study, write the report)
# and `make test` (set up, lint, type-check, run every test). `make test` also installs the
# system packages the tests need (headless Chromium) through `make system`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install install-run system run test lint unit integration browser bench bench-report bench-naive bench-aa bench-shuffle bench-scheduler bench-scenarios bench-scale bench-readonly clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Two installs, each with its own stamp: `make run` needs only the base dependencies (the
# default study's suites, tasks, arrays and dataframes, and its report need no extra);
# `make test` and the other targets need every extra and the test and lint tools.
$(BIN)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(BIN)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install-run: $(BIN)/.installed-run

install: $(BIN)/.installed

# System packages the tests need (chromium, chromium-driver); quick when present.
system:
	bash scripts/setup-system

# Ends by saying how to reach the commands the README shows next: they live in $(VENV).
run: install-run
	@$(BIN)/dask-bench run; status=$$?; \
	echo; \
	echo "dask-bench is installed in $(VENV). For the commands that follow (dask-bench show,"; \
	echo "dask-bench list runs, dask-bench report, ...), first run:  source $(VENV)/bin/activate"; \
	echo "or call them by path:  $(BIN)/dask-bench show"; \
	exit $$status

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

test: system lint
	$(BIN)/pytest

unit: install
	$(BIN)/pytest tests/unit

integration: install
	$(BIN)/pytest tests/integration

browser: system install
	$(BIN)/pytest tests/browser

bench: install
	$(BIN)/python benchmarks/harness.py

bench-naive: install
	$(BIN)/python benchmarks/naive.py

bench-report: install
	$(BIN)/python benchmarks/report.py

bench-aa: install
	$(BIN)/python benchmarks/aa.py

bench-shuffle: install
	$(BIN)/python benchmarks/shuffle.py

bench-scheduler: install
	$(BIN)/python benchmarks/scheduler.py

bench-scenarios: install
	$(BIN)/python benchmarks/scenarios.py --slurm

bench-scale: install
	$(BIN)/python benchmarks/scale.py

bench-readonly: install-run
	$(BIN)/python benchmarks/readonly.py

clean:
	rm -rf $(VENV) results test-artifacts .pytest_cache .mypy_cache .ruff_cache
