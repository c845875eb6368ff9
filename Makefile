# The two commands: `make run` brings the whole stack up, `make test` runs the whole suite.
# Both bootstrap .venv from pyproject.toml on first use (and again when it changes).
# `make run ARGS="--api-port 9000"` passes ARGS to `arrears dev` (see `arrears dev --help`).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
ARGS ?=
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test lint bench bench-simulation

run: $(STAMP)
	$(VENV)/bin/arrears dev $(ARGS)

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

bench: $(STAMP)
	$(VENV)/bin/python bench/bench_api.py

bench-simulation: $(STAMP)
	$(VENV)/bin/python bench/bench_simulation.py --cases 1000 --days 180

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)
