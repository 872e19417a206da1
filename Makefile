# ServicePact developer commands. `make test` works on a fresh clone: it creates
# .venv and installs the project (again whenever pyproject.toml changes).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: install run demo serve test lint bench

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --editable '.[dev]'
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

# Every benchmark at its default sizes (the 10 M runs take minutes), then one table of the
# headline figures each recorded, with the machine's load average beside each.
bench: $(INSTALLED)
	@set -e; rm -f benchmarks/out/summary.jsonl; for script in benchmarks/*.py; do \
		case "$$(basename $$script)" in _*) continue ;; esac; \
		echo "== $$script"; $(BIN)/python "$$script"; \
	done; echo "== all figures of this run"; $(BIN)/python benchmarks/_summary.py
