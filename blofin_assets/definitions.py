"""The Dagster definitions: assets, jobs, schedule, sensor, resources and executor, assembled."""

import dagster as dg

from blofin_assets.defs.assets import graph_assets
from blofin_assets.defs.io_managers import SymbolPartitionIOManager, ValueIOManager
from blofin_assets.defs.jobs import daily_refresh_job, hourly_predictions_job
from blofin_assets.defs.partitions import SINGLE_RUN, SYMBOL_IO_MANAGER
from blofin_assets.defs.resources import CandleSourceResource, ModelStoreResource, ResultsDatabase
from blofin_assets.defs.schedules import build_daily_refresh, build_hourly_predictions
from blofin_assets.defs.sensors import build_dead_runs_sensor, build_drift_sensor, build_new_symbols_sensor
from blofin_assets.ml.models import MODEL_CLASSES

RESOURCES = {
    "candle_source": CandleSourceResource(),
    "io_manager": ValueIOManager(),
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


def build_definitions(executor: dg.ExecutorDefinition, resources: dict = RESOURCES) -> dg.Definitions:
    """The whole project on one executor, over the models registered now (celery_definitions.py
    builds the distributed twin)."""
    model_classes = list(MODEL_CLASSES.values())
    assets = dg.map_asset_specs(_owned, graph_assets(model_classes))
    return dg.Definitions(
        assets=[_one_run_per_range(a) for a in assets],
        jobs=[daily_refresh_job, hourly_predictions_job],
        schedules=[build_daily_refresh(), build_hourly_predictions()],
        sensors=[build_drift_sensor(tuple(MODEL_CLASSES)), build_new_symbols_sensor(), build_dead_runs_sensor()],
        resources=resources,
        executor=executor,
    )


# One process for the whole run. Measured on 2 cores with the default data: 26 s in-process,
# 50 s on two Celery workers, 94 s with the multiprocess executor (max_concurrent 2), whose
# every step re-imports torch, pandas and sklearn in a fresh process. See README, "Executor".
defs = build_definitions(dg.in_process_executor)
