"""Every test runs with its own models folder, results database and Dagster home, so nothing
leaks into the project's models/ or .dagster_home/ and tests cannot see each other's files."""

import os
import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from blofin_assets.definitions import RESOURCES, defs
from blofin_assets.defs.io_managers import SymbolPartitionIOManager, ValueIOManager
from blofin_assets.defs.partitions import SYMBOL_IO_MANAGER, register_symbols
from blofin_assets.defs.resources import CandleSourceResource, ModelStoreResource, ResultsDatabase
from blofin_assets.market.features import compute_features
from blofin_assets.market.synthetic import SyntheticMarket
from blofin_assets.ml.dataset import build_targets, model_table
from blofin_assets.ml.models import model_names
from blofin_assets.ml.training import train_model
from blofin_assets.storage.model_store import ModelStore

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
# The embedded market's first bars, not those closed by now: the same data every day, for the
# session's fixtures too (set before any of them; a test of the clock unsets it).
os.environ["BLOFIN_SYNTHETIC_END"] = "fixed"
# The long test modules (paths under the tests folder), with their seconds in a run (`--durations`,
# summed per module). `make test` gives each of its workers one contiguous part of the
# collection, and a worker that runs out steals from the end of another's queue. So the long
# modules are shared out between the parts, balanced by their seconds, each at the front of its
# part: every worker starts on long work, none is left for the end to run alone, and a module
# whose module-scoped fixture runs a whole graph stays on one worker (stolen in part, its
# fixture would run twice).
LONG_MODULES = {
    "test_readme.py": 180,
    "test_ui.py": 145,
    "test_benchmarks.py": 130,
    "ml/test_tuning.py": 128,
    "test_celery_definitions.py": 95,
    "test_end_to_end.py": 92,
    "test_killed_runs.py": 90,
    "trading/test_replay.py": 78,
    "cli/test_fast_forward.py": 68,
    "defs/test_sensors.py": 54,
    "defs/assets/test_graph.py": 43,
    "defs/assets/test_live.py": 36,
    "defs/assets/test_monitoring.py": 35,
    "defs/assets/test_market_calendars.py": 34,
    "defs/assets/test_refused_input.py": 30,
    "cli/test_ui.py": 25,
    "defs/assets/test_graph_postgres.py": 23,
    "defs/test_instance.py": 22,
}


def module_of(item) -> str:
    return item.path.relative_to(TESTS).as_posix()


def balanced_order(items: list, workers: int) -> list:
    """``items`` with the long modules shared out over ``workers`` contiguous parts (longest
    first into the part with the fewest seconds), each part's at its front."""
    parts = [[] for _ in range(workers)]
    seconds = [0.0] * workers
    for module in sorted(LONG_MODULES, key=LONG_MODULES.get, reverse=True):
        j = seconds.index(min(seconds))
        parts[j].append(module)
        seconds[j] += LONG_MODULES[module]
    by_module = {}
    for item in items:
        by_module.setdefault(module_of(item), []).append(item)
    short = [item for item in items if module_of(item) not in LONG_MODULES]
    ordered, size = [], -(-len(items) // workers)
    for j, modules in enumerate(parts):
        ordered += [item for module in modules for item in by_module.get(module, [])]
        take = max(0, (j + 1) * size - len(ordered)) if j < workers - 1 else len(short)
        ordered += short[:take]
        short = short[take:]
    return ordered + short


def pytest_collection_modifyitems(items):
    # Each worker collects; all must agree on the order (xdist sets the count in every worker).
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    items[:] = balanced_order(items, max(workers, 1))


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "config" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("BLOFIN_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("BLOFIN_DB_URL", f"sqlite:///{tmp_path / 'results.db'}")
    monkeypatch.delenv("BLOFIN_CANDLES_DIR", raising=False)
    return tmp_path


@pytest.fixture(scope="session")
def small_candles() -> pd.DataFrame:
    """Two symbols, 900 hourly candles each: enough for every model, quick to train."""
    return SyntheticMarket(symbols=("BTC-USDT", "SOL-USDT"), candles_per_symbol=900, seed=3).generate()


@pytest.fixture(scope="session")
def small_table(small_candles):
    features = compute_features(small_candles)
    targets = build_targets(small_candles, features, horizon=5)
    return model_table(features, targets), targets


def quick_ops(**ops) -> dict:
    """Run config ops for a whole-graph run whose test is not about the walk-forward: every
    validation on 2 folds (4 by default) and a short MLP, plus ``ops``. A test that checks the
    folds themselves uses the defaults."""
    quick = {f"{name}_validation": {"config": {"folds": 2}} for name in model_names()}
    return {**quick, "price_predictor": {"config": {"epochs": 5}}, **ops}


def quick_yaml(**extra_lines: str) -> str:
    """``quick_ops`` as the ``ops:`` lines of a YAML run config file (for the CLI tests)."""
    lines = [f"  {name}_validation: {{config: {{folds: 2}}}}" for name in model_names()]
    lines.append("  price_predictor: {config: {epochs: 5}}")
    lines += [f"  {op}: {config}" for op, config in extra_lines.items()]
    return "ops:\n" + "\n".join(lines) + "\n"


def store_all_models(small_table, root) -> ModelStore:
    """The five models trained on small_table (a short MLP), saved in a store of their own and
    made current directly (set_current: the pipeline's promote would ask for validations)."""
    table, targets = small_table
    store = ModelStore(root)
    versions = {}
    for name in model_names():
        trained = train_model(name, table, targets.horizon, {"epochs": 5} if name == "price_predictor" else None)
        versions[name] = store.save(trained.model, trained.config, {"training": trained.training}).version
    store.set_current(versions)
    return store


def project_resources(root: Path) -> dict:
    """The project's resources with models, results database and per-symbol outputs under root."""
    return {
        **RESOURCES,
        "model_store": ModelStoreResource(models_dir=str(root / "models")),
        "results_db": ResultsDatabase(url=f"sqlite:///{root / 'results.db'}"),
        SYMBOL_IO_MANAGER: SymbolPartitionIOManager(base_dir=str(root / "storage")),
        "io_manager": ValueIOManager(base_dir=str(root / "storage")),
    }


def materialize_every_symbol(instance: dg.DagsterInstance, run_config: dict | None = None, definitions=None, **kwargs):
    """What make run does, in process: the run config's symbols registered as partitions, then
    one run of the graph (or ``selection``) over all of them."""
    definitions = definitions or defs
    tags = {**register_symbols(instance, CandleSourceResource.from_run_config(run_config).source()), **kwargs.pop("tags", {})}
    return dg.materialize(definitions.assets, run_config=run_config, instance=instance, tags=tags, **kwargs)


def run_daily_refresh(instance: dg.DagsterInstance, run_config: dict, resources: dict):
    """The daily_refresh job over every symbol of the run config, as its schedule launches it."""
    job = defs.resolve_job_def("daily_refresh_job")
    tags = register_symbols(instance, CandleSourceResource.from_run_config(run_config).source())
    return job.execute_in_process(instance=instance, resources=resources, run_config=run_config, tags=tags)
