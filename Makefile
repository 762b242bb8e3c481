# Two commands set everything up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
STAMP := $(VENV)/.installed-stamp

.PHONY: install instance run test ui serve bench drift-demo fast-forward fetch clean

# Install once, again only when the dependencies change. The constraints file pins torch to
# the version whose CPU build this project's machines offer (see README, "Installing").
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

# A project-local Dagster instance, so runs made here show up in `make ui` afterwards; its
# settings come from config/dagster.yaml (copied again whenever that file changes). .env names
# it for a plain shell in this folder: Dagster's CLI and `blofin` read .env where they start.
$(DAGSTER_HOME)/dagster.yaml: config/dagster.yaml
	@mkdir -p $(DAGSTER_HOME)
	cp config/dagster.yaml $@

instance: $(DAGSTER_HOME)/dagster.yaml
	@grep -qs '^DAGSTER_HOME=' .env || echo "DAGSTER_HOME=$(DAGSTER_HOME)" >> .env

# Every asset, every symbol, one run: the symbols are registered as partitions first, and
# the range first...last of them covers them all.
# (Dagster 1.13 warns that `dagster asset materialize` is superseded by its `dg` CLI, and that
# `--select '*'` uses a parameter in beta; neither asks anything of a user, so both are muted.)
run: install instance
	RANGE=$$($(BIN)/blofin symbols) && \
	PYTHONWARNINGS='ignore::FutureWarning:click.core,ignore:Parameter `include_sources`' $(BIN)/dagster asset materialize --select '*' -m blofin_assets.definitions --partition-range "$$RANGE"
	$(BIN)/blofin summary

# Three workers (pytest-xdist) on two cores: many tests wait on subprocesses, a browser or a
# broker, and a third worker fills that idle time (measured on 2 cores: 11.9 min against 13.1
# with two, the same commit's suite). worksteal: a worker whose tests are done takes from
# another's queue, so all end together (see blofin_assets_tests/conftest.py).
test: install
	$(BIN)/python -m pytest -n 3 --dist worksteal

# dagster dev through a launcher that Ctrl-C and SIGTERM stop within seconds (see cli/ui.py);
# on http://127.0.0.1:3000 (make ui PORT=3001).
ui: PORT ?= 3000
ui: install instance
	$(BIN)/blofin ui --port $(PORT)

# The signals over HTTP on 127.0.0.1:8000 (make serve PORT=8080), from the models `make run` trained.
serve: PORT ?= 8000
serve: install instance
	$(BIN)/blofin serve --port $(PORT)

# Every benchmark, each target beside its figure, one JSON line last (benchmarks/__main__.py).
bench: install
	$(BIN)/python -m benchmarks

# The monitoring loop on the embedded data: drift, the sensor, champion vs challenger.
drift-demo: install
	$(BIN)/blofin drift-demo

# The live loop on a simulated clock, in the project's instance: HOURS simulated hours of the
# schedules' and drift_sensor's runs, printed as a timeline (make fast-forward HOURS=48).
fast-forward: HOURS ?= 24
fast-forward: install instance
	$(BIN)/blofin fast-forward --hours $(HOURS)

# Candles from BloFin into data/candles (needs the internet); then BLOFIN_CANDLES_DIR=data/candles make run
fetch: install
	$(BIN)/blofin fetch

clean:
	rm -rf $(VENV) .dagster_home .drift_demo .pytest_cache *.egg-info .env
