# ServicePact developer commands. `make test` works on a fresh clone: it creates
# .venv and installs the project with the dev and spark extras (again whenever pyproject.toml
# changes); the Spark tests need Java 17+ and say so when it is missing.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: install run demo serve test lint bench coverage mutation

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --editable '.[dev,spark]'
	touch $(INSTALLED)

install:
	rm -f $(INSTALLED)
	$(MAKE) $(INSTALLED)

# The main job: the demo portfolio end to end (it never blocks), then the web UI on it.
run: $(INSTALLED)
	$(BIN)/servicepact demo
	$(BIN)/servicepact serve

demo: $(INSTALLED)
	$(BIN)/servicepact demo

serve: $(INSTALLED)
	$(BIN)/servicepact serve

# SQLite by default; set SERVICEPACT_DATABASE_URL to run the same tests on PostgreSQL.
test: $(INSTALLED)
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS)

lint: $(INSTALLED)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python .ci/long_functions.py --check > /dev/null

# Every benchmark at its default sizes (the 10 M runs take minutes), then one table of the
# headline figures each recorded, with the machine's load average beside each.
bench: $(INSTALLED)
	@set -e; rm -f benchmarks/out/summary.jsonl; for script in benchmarks/*.py; do \
		case "$$(basename $$script)" in _*) continue ;; esac; \
		echo "== $$script"; $(BIN)/python "$$script"; \
	done; echo "== all figures of this run"; $(BIN)/python benchmarks/_summary.py

# Branch coverage of engine/ and domain/ (docs/testing.md). The compiled numba kernels are
# invisible to coverage, so the tests that drive them run a second time with the JIT off.
KERNEL_TESTS := tests/unit/kpis/test_kpi_fused_paths.py tests/unit/kpis/test_kpi_aggregation_paths.py \
	tests/unit/engine/test_business_time_cases.py
COVER := --cov=servicepact.engine --cov=servicepact.domain --cov-branch --cov-report=
coverage: $(INSTALLED)
	rm -f .coverage .coverage.*
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) $(COVER)
	NUMBA_DISABLE_JIT=1 $(BIN)/python -m pytest -q $(COVER) --cov-append $(KERNEL_TESTS)
	$(BIN)/python -m coverage json -q -o coverage.json
	$(BIN)/python .ci/coverage_figures.py coverage.json

# Mutation testing (docs/testing.md). The results are kept in mutation/results: a run takes
# every mutant without a result (those of functions whose source changed among them), keeps
# each verdict as it comes, and may be stopped and taken up again, here or on another machine.
# MUTANTS="servicepact.store.pii*" runs those mutants again, whatever they had.
MUTANTS ?=
mutation: $(INSTALLED)
	$(BIN)/python .ci/mutation_results.py restore
	$(BIN)/mutmut run --max-children 2 $(MUTANTS); status=$$?; \
		$(BIN)/python .ci/mutation_results.py keep; \
		$(BIN)/python .ci/mutation_results.py score; exit $$status
