"""Every test runs with its own models folder, results database and Dagster home, so nothing
leaks into the project's models/ or .dagster_home/ and tests cannot see each other's files."""

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
# The longest tests start first, longest first, then the other e2e ones: `make test` splits the
# tests in two halves and an idle worker steals from the end of the other's queue, so the long
# ones must not be left for the end, where one would run alone (measured: the README test alone
# for the last 5 minutes before this order). Order by their durations in a run (`--durations`).
LONGEST_FIRST = (
    "test_readme.py",  # 139 s
    "test_celery_definitions.py",  # 76 s
    "test_ui.py",  # 65 s
    "test_benchmarks.py",  # 62 + 37 s
    "test_killed_runs.py",  # 61 s
    "test_end_to_end.py",  # 50 s
    "test_drift_demo.py",  # 47 s
    "test_sensors.py",  # 38 s
)


def pytest_collection_modifyitems(items):
    def order(item):
        name = item.path.name
        return (LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST), item.get_closest_marker("e2e") is None)

    items.sort(key=order)  # stable: the collection order otherwise


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
