# Two entry points: `make run` (set up, run the default local study, write the report)
# and `make test` (set up, lint, type-check, run every test). `make test` also installs the
# system packages the tests need (headless Chromium) through `make system`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install system run test lint unit integration browser bench bench-report bench-naive bench-aa bench-shuffle bench-scheduler bench-scenarios bench-scale clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(BIN)/.installed

# System packages the tests need (chromium, chromium-driver); quick when present.
system:
	bash scripts/setup-system

run: install
	$(BIN)/dask-bench run

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

clean:
	rm -rf $(VENV) results test-artifacts .pytest_cache .mypy_cache .ruff_cache
