"""Every command in the README is exercised: run here, or by the test named for it. A command
added to the README without either fails this test."""

import importlib
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
import yaml

from blofin_assets.definitions import RESOURCES, defs
from blofin_assets.market.csv_files import write_candle_csv
from blofin_assets.market.synthetic import SyntheticMarket
from blofin_assets.ml.models import model_names
from blofin_assets.storage.model_store import ModelStore

PROJECT_ROOT = Path(__file__).resolve().parents[1]
README = (PROJECT_ROOT / "README.md").read_text()
BIN = Path(sys.executable).parent

# Commands that other tests run, and where.
COVERED_BY = {
    "make run": "test_end_to_end::test_dagster_asset_materialize_runs_the_whole_graph_on_csv_data",
    "make test": "CI: .ci/run",
    "make ui": "test_ui::test_the_asset_graph_in_a_browser_and_a_materialization_from_the_ui",
    "make bench": "test_benchmarks::test_the_graph_benchmark_reports_time_and_memory_per_asset",
    "make drift-demo": "cli.test_drift_demo::test_the_demo_shows_the_sensor_firing_only_on_drift_and_the_models_retraining",
    "make fetch": "market.sources.test_exchange::test_the_fetch_command",
    "BLOFIN_CANDLES_DIR=data/candles make run": "test_end_to_end::test_dagster_asset_materialize_runs_the_whole_graph_on_csv_data",
    "BLOFIN_CANDLES_DIR=/data/candles make run": "test_end_to_end::test_dagster_asset_materialize_runs_the_whole_graph_on_csv_data",
    ".venv/bin/blofin fetch --symbol BTC-USDT --timeframe 15m --days 30 --out data/candles": "market.sources.test_exchange::test_the_fetch_command",
    "export BLOFIN_DB_URL=postgresql+psycopg://user:password@127.0.0.1:5432/blofin": "defs.assets.test_graph_postgres::test_the_whole_graph_runs_on_postgresql",
    "mkdir -p $DAGSTER_HOME && cp config/dagster-postgres.yaml $DAGSTER_HOME/dagster.yaml": "defs.assets.test_graph_postgres::test_the_whole_graph_runs_on_postgresql",
    "export DAGSTER_PG_URL=postgresql+psycopg2://user:password@127.0.0.1:5432/dagster": "defs.assets.test_graph_postgres::test_the_whole_graph_runs_on_postgresql",
    "export BLOFIN_IO_DIR=/srv/blofin/io BLOFIN_MODELS_DIR=/srv/blofin/models": "test_celery_definitions::test_the_whole_graph_runs_on_two_celery_workers",
    "PATH=$PWD/.venv/bin:$PATH dagster-celery worker start -A dagster_celery.app -y config/celery.yaml --name worker-1 -- --concurrency 1": "test_celery_definitions::test_the_whole_graph_runs_on_two_celery_workers",
    ".venv/bin/dagster asset materialize --select '*' -m blofin_assets.celery_definitions -c config/celery.yaml --partition-range BTC-USDT...SOL-USDT": "test_celery_definitions::test_the_whole_graph_runs_on_two_celery_workers",
}
# Commands run by test_the_commands_run_here below.
RUN_HERE = {
    ".venv/bin/blofin symbols -c run.yaml",
    ".venv/bin/dagster asset materialize --select '*' -m blofin_assets.definitions -c run.yaml --partition-range BTC-USDT...SOL-USDT",
    "dagster asset materialize --select 'risk_scorer*' -m blofin_assets.definitions",
    ".venv/bin/blofin predict",
    ".venv/bin/blofin predict --symbol BTC-USDT",
    ".venv/bin/blofin symbols",
    ".venv/bin/dagster asset materialize --select 'candles*' --partition XRP-USDT -m blofin_assets.definitions",
}
# What the make targets run: the commands the tests above run.
MAKE_RECIPES = {
    "run": [
        "RANGE=$$($(BIN)/blofin symbols) && \\",
        "$(BIN)/dagster asset materialize --select '*' -m blofin_assets.definitions --partition-range \"$$RANGE\"",
        "$(BIN)/blofin summary",
    ],
    "test": ["$(BIN)/python -m pytest"],
    "ui": ["$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1"],
    "bench": ["$(BIN)/python -m benchmarks.graph", "$(BIN)/python -m benchmarks.predict"],
    "drift-demo": ["$(BIN)/blofin drift-demo"],
    "fetch": ["$(BIN)/blofin fetch"],
}


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def commands() -> set[str]:
    found = set()
    for block in blocks("bash"):
        for line in block.splitlines():
            command = re.sub(r"\s+#.*$", "", line).strip()
            if command:
                found.add(command)
    return found


def recipe(target: str) -> list[str]:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    match = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n)+)", makefile, flags=re.M)
    assert match, f"no make target {target}"
    return [line.strip() for line in match.group(1).splitlines()]


def test_every_readme_command_is_exercised():
    assert commands() == set(COVERED_BY) | RUN_HERE
    for command, where in COVERED_BY.items():
        if where.startswith("CI"):
            assert "make test" in (PROJECT_ROOT / ".ci" / "run").read_text()
            continue
        module, test = where.split("::")
        assert callable(getattr(importlib.import_module(f"blofin_assets_tests.{module}"), test)), where


def test_make_targets_run_what_their_tests_run():
    for target, lines in MAKE_RECIPES.items():
        assert recipe(target) == lines, target


def test_the_run_config_in_the_readme_is_valid():
    (config,) = blocks("yaml")
    job = defs.resolve_implicit_global_asset_job_def()
    result = dg.validate_run_config(job, yaml.safe_load(config))
    assert result  # raises DagsterInvalidConfigError, naming the key, when not


def run(command: str, cwd: Path) -> subprocess.CompletedProcess:
    argv = shlex.split(command)
    if argv[0].startswith(".venv/bin/"):
        argv[0] = str(BIN / argv[0].removeprefix(".venv/bin/"))
    elif argv[0] == "dagster":
        argv[0] = str(BIN / "dagster")
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=900, env=os.environ.copy())


@pytest.mark.e2e
def test_the_commands_run_here(isolated_env, monkeypatch):
    # As a user would after `make run`: the same instance, models in ./models, candles from CSV.
    work = isolated_env / "project"
    work.mkdir()
    monkeypatch.setenv("BLOFIN_MODELS_DIR", str(work / "models"))
    monkeypatch.setenv("BLOFIN_CANDLES_DIR", str(work / "csv"))
    monkeypatch.setenv("PYTHONPATH", str(PROJECT_ROOT))
    write_candle_csv(SyntheticMarket(candles_per_symbol=700).generate(), work / "csv")
    (work / "run.yaml").write_text(yaml.safe_dump({"ops": {"price_predictor": {"config": {"epochs": 5}}}}))
    done = run(".venv/bin/blofin symbols -c run.yaml", work)
    assert done.returncode == 0 and done.stdout == "BTC-USDT...SOL-USDT\n", done.stderr
    done = run(".venv/bin/dagster asset materialize --select '*' -m blofin_assets.definitions -c run.yaml --partition-range BTC-USDT...SOL-USDT", work)
    assert done.returncode == 0, done.stderr[-3000:]

    done = run("dagster asset materialize --select 'risk_scorer*' -m blofin_assets.definitions", work)
    assert done.returncode == 0, done.stderr[-3000:]
    with dg.DagsterInstance.get() as instance:
        latest = instance.get_runs(limit=1)[0]
        materialized = {r.asset_key.to_user_string() for r in instance.get_records_for_run(latest.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records}
    assert {"risk_scorer", "risk_scorer_validation", "ensemble_config", "model_performance"} <= materialized
    assert "direction_predictor" not in materialized

    for command in (".venv/bin/blofin predict", ".venv/bin/blofin predict --symbol BTC-USDT"):
        done = run(command, work)
        assert done.returncode == 0, done.stderr
        assert '"ensemble"' in done.stdout

    # The README's Python, as written, in that project folder.
    monkeypatch.chdir(work)
    namespace: dict = {}
    for code in blocks("python"):
        exec(compile(code, "README.md", "exec"), namespace)
    assert set(namespace["ensemble"].members) == set(model_names())

    # A new symbol's CSV file: registered, computed alone, and every model retrained on all four.
    write_candle_csv(SyntheticMarket(symbols=("XRP-USDT",), candles_per_symbol=700).generate(), work / "csv")
    done = run(".venv/bin/blofin symbols", work)
    assert done.returncode == 0 and done.stdout == "BTC-USDT...XRP-USDT\n", done.stderr
    done = run(".venv/bin/dagster asset materialize --select 'candles*' --partition XRP-USDT -m blofin_assets.definitions", work)
    assert done.returncode == 0, done.stderr[-3000:]
    with dg.DagsterInstance.get() as instance:
        for asset in ("candles", "features", "targets"):
            partitions = [r.partition_key for r in instance.fetch_materializations(dg.AssetKey(asset), limit=100).records]
            assert sorted(partitions) == ["BTC-USDT", "ETH-USDT", "SOL-USDT", "XRP-USDT"]  # each once
    for name in model_names():
        window = ModelStore(work / "models").load(name).metadata["training"]["data_window"]
        assert sorted(window["symbols"]) == ["BTC-USDT", "ETH-USDT", "SOL-USDT", "XRP-USDT"]


def test_the_readme_names_every_config_field():
    (config,) = blocks("yaml")
    documented = yaml.safe_load(config)
    job = defs.resolve_implicit_global_asset_job_def()
    schema = job.run_config_schema.config_type
    for section in ("resources", "ops"):
        for name, field in schema.fields[section].config_type.fields.items():
            if section == "resources" and name not in RESOURCES:
                continue  # Dagster's own io_manager
            inner = field.config_type.fields.get("config")
            if inner is None or not hasattr(inner.config_type, "fields"):
                continue
            fields = set(inner.config_type.fields)
            if name.endswith("_validation"):
                name = "direction_predictor_validation"  # documented once for all five
            if not fields:
                continue
            shown = (documented[section].get(name) or {}).get("config", {})
            assert fields <= set(shown), f"{section}.{name}: {sorted(fields - set(shown))} not in the README"
            # ...and with the default the code really has.
            for field_name, field_def in inner.config_type.fields.items():
                if field_def.default_provided:
                    assert shown[field_name] == field_def.default_value, f"{section}.{name}.{field_name}"
