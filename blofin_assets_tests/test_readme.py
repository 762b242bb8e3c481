"""Every command in the README is exercised: run here, or by the test named for it. A command
added to the README without either fails this test."""

import importlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
import yaml

from blofin_assets.definitions import RESOURCES, defs
from blofin_assets.ml.models import model_names
from blofin_assets.storage.model_store import ModelStore

PROJECT_ROOT = Path(__file__).resolve().parents[1]
README = (PROJECT_ROOT / "README.md").read_text()
# The complete run config, every setting with its default, is in the configuration reference.
CONFIGURATION = (PROJECT_ROOT / "docs" / "configuration.md").read_text()
BIN = Path(sys.executable).parent

# Commands that other tests run, and where.
COVERED_BY = {
    "make run": "test_end_to_end::test_dagster_asset_materialize_runs_the_whole_graph_on_csv_data",
    "make test": "CI: .ci/run",
    "make ui": "cli.test_ui::test_the_ui_and_every_process_it_started_stop_within_seconds",
    ".venv/bin/dg dev": "test_dg::test_dg_dev_serves_the_ui_on_the_project_instance",
    "make bench": "test_benchmarks::test_make_bench_reports_every_figure_beside_its_target",
    "make serve": "serving.test_http::test_the_newest_candle_of_a_symbol_and_a_posted_row_get_the_same_shape",
    "curl -s http://127.0.0.1:8000/signal/BTC-USDT": "serving.test_http::test_the_newest_candle_of_a_symbol_and_a_posted_row_get_the_same_shape",
    "make drift-demo": "cli.test_fast_forward::test_the_drift_demo_shows_a_planted_regime_change_in_the_timeline_retrained_at_the_next_daily_tick",
    "make fast-forward": "cli.test_fast_forward::test_the_drift_demo_shows_a_planted_regime_change_in_the_timeline_retrained_at_the_next_daily_tick",
    "make fetch": "market.sources.test_exchange::test_the_fetch_command",
    "BLOFIN_CANDLES_DIR=data/candles make run": "test_end_to_end::test_dagster_asset_materialize_runs_the_whole_graph_on_csv_data",
    ".venv/bin/blofin fetch --symbol BTC-USDT --timeframe 15m --days 30 --out data/candles": "market.sources.test_exchange::test_the_fetch_command",
    "export BLOFIN_DB_URL=postgresql+psycopg://user:password@127.0.0.1:5432/blofin": "defs.assets.test_graph_postgres::test_the_whole_graph_runs_on_postgresql",
    "mkdir -p $DAGSTER_HOME && cp config/dagster-postgres.yaml $DAGSTER_HOME/dagster.yaml": "defs.assets.test_graph_postgres::test_the_whole_graph_runs_on_postgresql",
    "export DAGSTER_PG_URL=postgresql+psycopg2://user:password@127.0.0.1:5432/dagster": "defs.assets.test_graph_postgres::test_the_whole_graph_runs_on_postgresql",
    "export BLOFIN_IO_DIR=/srv/blofin/io BLOFIN_MODELS_DIR=/srv/blofin/models": "test_celery_definitions::test_the_whole_graph_runs_on_two_celery_workers",
    "PATH=$PWD/.venv/bin:$PATH dagster-celery worker start -A dagster_celery.app -y config/celery.yaml --name worker-1 -- --concurrency 1": "test_celery_definitions::test_the_whole_graph_runs_on_two_celery_workers",
    ".venv/bin/dagster asset materialize --select '*' -m blofin_assets.celery_definitions -c config/celery.yaml --partition-range BTC-USDT...SOL-USDT": "test_celery_definitions::test_the_whole_graph_runs_on_two_celery_workers",
    ".venv/bin/blofin symbols": "test_celery_definitions::test_the_whole_graph_runs_on_two_celery_workers",
}
# Commands run by test_the_commands_run_here_as_printed_in_a_new_shell below.
RUN_HERE = {
    ".venv/bin/dg check defs",
    ".venv/bin/dg list defs",
    "RANGE=$(.venv/bin/blofin symbols -c config/run.yaml)",
    ".venv/bin/dg launch --assets '*' --partition-range \"$RANGE\" -c config/run.yaml",
    ".venv/bin/dagster asset materialize --select 'risk_scorer*' -m blofin_assets.definitions",
    ".venv/bin/blofin write-candles --candles 600 --out data/candles",
    "export BLOFIN_CANDLES_DIR=$PWD/data/candles",
    ".venv/bin/blofin symbols -c config/run.yaml",
    ".venv/bin/dagster asset materialize --select '*' -m blofin_assets.definitions -c config/run.yaml --partition-range BTC-USDT...SOL-USDT",
    ".venv/bin/blofin write-candles --candles 600 --symbol XRP-USDT --out data/candles",
    ".venv/bin/dagster asset materialize --select 'candles*' --partition XRP-USDT -m blofin_assets.definitions -c config/run.yaml",
    ".venv/bin/blofin predict",
    ".venv/bin/blofin predict --symbol BTC-USDT",
    ".venv/bin/dagster asset materialize --select tuning -m blofin_assets.definitions -c config/tuning.yaml",
}
# What the make targets run: the commands the tests above run.
MAKE_RECIPES = {
    "run": [
        "RANGE=$$($(BIN)/blofin symbols) && \\",
        "PYTHONWARNINGS='ignore::FutureWarning:click.core,ignore:Parameter `include_sources`' $(BIN)/dagster asset materialize --select '*' -m blofin_assets.definitions --partition-range \"$$RANGE\"",
        "$(BIN)/blofin summary",
    ],
    "test": ["$(BIN)/python -m pytest -n 3 --dist worksteal"],
    "ui": ["$(BIN)/blofin ui --port $(PORT)"],
    "bench": ["$(BIN)/python -m benchmarks"],
    "serve": ["$(BIN)/blofin serve --port $(PORT)"],
    "drift-demo": ["$(BIN)/blofin drift-demo"],
    "fast-forward": ["$(BIN)/blofin fast-forward --hours $(HOURS)"],
    "fetch": ["$(BIN)/blofin fetch"],
}


def blocks(language: str, text: str = README) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


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


def test_the_run_config_in_the_reference_is_valid():
    (config,) = blocks("yaml", CONFIGURATION)
    job = defs.resolve_implicit_global_asset_job_def()
    result = dg.validate_run_config(job, yaml.safe_load(config))
    assert result  # raises DagsterInvalidConfigError, naming the key, when not


def project_copy(root: Path) -> Path:
    """The project folder as a user has it: its files, and .venv (this test's environment)."""
    copy = root / "project"
    copy.mkdir()
    for name in ("Makefile", "pyproject.toml", "constraints.txt", "workspace.yaml", "README.md"):
        shutil.copy(PROJECT_ROOT / name, copy / name)
    shutil.copytree(PROJECT_ROOT / "config", copy / "config")
    (copy / ".venv").symlink_to(Path(sys.prefix))
    (copy / "blofin_assets").symlink_to(PROJECT_ROOT / "blofin_assets")  # `dg` finds the project's module here
    return copy


def clean_env(home: Path) -> dict:
    """A new shell's environment: no DAGSTER_HOME, no BLOFIN_* variable, no virtualenv on PATH."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}


def shell(script: str, cwd: Path, home: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-ec", script], cwd=cwd, env=clean_env(home), capture_output=True, text=True, timeout=900)


def runnable_blocks() -> list[str]:
    """The README's bash blocks made only of commands run here, in README order."""
    runnable = []
    for block in blocks("bash"):
        lines = {re.sub(r"\s+#.*$", "", line).strip() for line in block.splitlines()} - {""}
        if lines <= RUN_HERE:
            runnable.append(block)
    return runnable


def test_every_command_run_here_is_in_a_block_made_only_of_such_commands():
    covered = set()
    for block in runnable_blocks():
        covered |= {re.sub(r"\s+#.*$", "", line).strip() for line in block.splitlines()} - {""}
    assert covered == RUN_HERE


@pytest.mark.e2e
def test_the_commands_run_here_as_printed_in_a_new_shell(isolated_env):
    """In a copy of the project folder with its instance set up as `make run` does it, every
    README block of commands runs as printed, each in a new shell with a clean environment; so
    does the README's Python. The README's run-config block goes first: it stands in for `make
    run` itself (whose commands test_end_to_end runs), on fewer candles."""
    home = isolated_env / "home"
    home.mkdir()
    project = project_copy(isolated_env)
    done = shell("make instance", project, home)
    assert done.returncode == 0, done.stderr
    assert (project / ".env").read_text() == f"DAGSTER_HOME={project / '.dagster_home'}\n"
    first = next(b for b in runnable_blocks() if "dg launch" in b)
    for block in [first, *(b for b in runnable_blocks() if b != first)]:
        done = shell(block, project, home)
        assert done.returncode == 0, f"{block}\n{done.stderr[-3000:]}"
        if "--partition XRP-USDT" in block:
            assert "added XRP-USDT" in done.stderr
        if "blofin predict" in block:
            assert '"ensemble"' in done.stdout and '"source": "synthetic' in done.stdout
        if "--select tuning" in block:
            # A search whose best is luck is an answer, not an error: the verdict, no traceback.
            output = done.stdout + done.stderr
            assert "tuning verdict: " in output and "Traceback" not in output, output[-3000:]

    with dg.DagsterInstance.from_config(str(project / ".dagster_home")) as instance:
        runs = instance.get_runs()
        assert len(runs) >= 5 and all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
        # The README's run on CSV files registered XRP-USDT and computed it once, alone.
        materialized = [r.partition_key for r in instance.fetch_materializations(dg.AssetKey("candles"), limit=100).records]
        assert materialized.count("XRP-USDT") == 1
    for name in model_names():
        assert ModelStore(project / "models").load(name).metadata["training"]["n_train"] > 0

    # The README's Python, as written, in that folder and a clean environment.
    script = project / "readme_snippet.py"
    script.write_text("\n".join(blocks("python")) + "\nassert set(ensemble.members) == set(" + repr(set(model_names())) + ")\n")
    done = shell(".venv/bin/python readme_snippet.py", project, home)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.e2e
def test_outside_the_project_folder_the_error_names_the_instance_and_what_to_set(isolated_env):
    elsewhere = isolated_env / "elsewhere"
    elsewhere.mkdir()
    dagster = Path(sys.prefix) / "bin" / "dagster"
    done = shell(f"{dagster} asset materialize --select 'risk_scorer*' -m blofin_assets.definitions", elsewhere, elsewhere)
    assert done.returncode != 0
    assert "no symbol partitions are registered in a temporary Dagster instance" in done.stdout + done.stderr
    assert "export DAGSTER_HOME=" in done.stdout + done.stderr


def test_the_reference_names_every_config_field():
    (config,) = blocks("yaml", CONFIGURATION)
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
