"""The Dagster definitions: assets, jobs, schedule, sensor, resources and executor, assembled."""

import dagster as dg

from blofin_assets.assets.backtest import signal_backtest
from blofin_assets.assets.data import candles
from blofin_assets.assets.ensemble import ensemble_config
from blofin_assets.assets.evaluation import VALIDATION_ASSETS, model_comparison
from blofin_assets.assets.features import features, targets
from blofin_assets.assets.monitoring import MONITORING_ASSETS
from blofin_assets.assets.training import MODEL_ASSETS
from blofin_assets.io_managers import SymbolPartitionIOManager
from blofin_assets.jobs import daily_refresh_job
from blofin_assets.partitions import SINGLE_RUN, SYMBOL_IO_MANAGER
from blofin_assets.resources import CandleSource, ModelStoreResource, ResultsDatabase
from blofin_assets.schedules import daily_refresh
from blofin_assets.sensors import drift_sensor

RESOURCES = {
    "candle_source": CandleSource(),
    SYMBOL_IO_MANAGER: SymbolPartitionIOManager(),
    "model_store": ModelStoreResource(),
    "results_db": ResultsDatabase(),
}

OWNERS = ["team:blofin-ml"]


def _owned(spec: dg.AssetSpec) -> dg.AssetSpec:
    """Every asset: an owner, and its stage as a tag, so the catalog can be filtered by either."""
    return spec.merge_attributes(owners=OWNERS, tags={"stage": spec.group_name or "default"})


def _one_run_per_range(assets: dg.AssetsDefinition) -> dg.AssetsDefinition:
    """The unpartitioned assets run in the same run as a range of symbols (the CLI's
    --partition-range asks every selected asset for a single-run backfill policy)."""
    return assets if assets.backfill_policy else assets.with_attributes(backfill_policy=SINGLE_RUN)


ASSETS = dg.map_asset_specs(
    _owned,
    [
        candles,
        features,
        targets,
        *MODEL_ASSETS,
        *VALIDATION_ASSETS,
        model_comparison,
        ensemble_config,
        signal_backtest,
        *MONITORING_ASSETS,
    ],
)
ASSETS = [_one_run_per_range(a) for a in ASSETS]


def build_definitions(executor: dg.ExecutorDefinition, resources: dict = RESOURCES) -> dg.Definitions:
    """The whole project on one executor (celery_definitions.py builds the distributed twin)."""
    return dg.Definitions(
        assets=ASSETS,
        jobs=[daily_refresh_job],
        schedules=[daily_refresh],
        sensors=[drift_sensor],
        resources=resources,
        executor=executor,
    )


# One process for the whole run. Measured on 2 cores with the default data: 26 s in-process,
# 50 s on two Celery workers, 94 s with the multiprocess executor (max_concurrent 2), whose
# every step re-imports torch, pandas and sklearn in a fresh process. See README, "Executor".
defs = build_definitions(dg.in_process_executor)
