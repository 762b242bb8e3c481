"""drift_sensor: retrain the models that drift_decisions flags; new_symbols_sensor: compute each
symbol the candle source starts to offer, with no manual step; dead_runs_sensor: mark runs
whose process died failed (defs/dead_runs.py).

Every new materialization of ``drift_decisions`` is read once, in order: the sensor's cursor
is the event-log position of the last one read, so a tick never re-reads a materialization
and, after a restart, picks up every one it has not read. Each flagged model gets one run
(run key: model + materialization) that re-materializes the model, its validation, the
comparison, the ensemble and the backtest, tagged with why.
"""

import dagster as dg

from blofin_assets import settings
from blofin_assets.defs import run_tags
from blofin_assets.defs.dead_runs import mark_dead_runs_failed
from blofin_assets.defs.partitions import SYMBOL_PARTITIONS, symbol_changes
from blofin_assets.defs.resources import CandleSourceResource

DECISIONS = dg.AssetKey("drift_decisions")
DOWNSTREAM = ("model_comparison", "ensemble_config", "signal_backtest")


def retrain_selection(model: str) -> list[dg.AssetKey]:
    return [dg.AssetKey(k) for k in (model, f"{model}_validation", *DOWNSTREAM)]


def _fmt(value) -> str:
    return "" if value is None else f"{value:.6g}" if isinstance(value, float) else str(value)


def retrain_request(model: str, decision: dict, storage_id: int, trigger_run: str) -> dg.RunRequest:
    reasons = decision["reasons"]
    first = reasons[0]
    return dg.RunRequest(
        run_key=f"retrain:{model}:{storage_id}",
        asset_selection=retrain_selection(model),
        tags={
            run_tags.RETRAIN: "true",
            run_tags.MODEL: model,
            run_tags.REASON: "+".join(r["reason"] for r in reasons),
            run_tags.METRIC: _fmt(first["metric"]),
            run_tags.BASELINE: _fmt(first["baseline"]),
            run_tags.CURRENT: _fmt(first["current"]),
            run_tags.SEVERITY: max((r["severity"] for r in reasons), key=["WARN", "ERROR"].index),
            run_tags.TRIGGER_RUN: trigger_run,
        },
    )


def build_drift_sensor(model_names: tuple[str, ...]) -> dg.SensorDefinition:
    """The sensor over the given models; its interval is read when the definitions load."""

    @dg.sensor(
        name="drift_sensor",
        target=dg.AssetSelection.assets(*model_names, *(f"{m}_validation" for m in model_names), *DOWNSTREAM),
        minimum_interval_seconds=settings.sensor_interval_seconds(),
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Retrains (champion vs challenger) each model drift_decisions flags, with tags saying why.",
    )
    def drift_sensor(context: dg.SensorEvaluationContext):
        result = context.instance.fetch_materializations(DECISIONS, limit=50, cursor=context.cursor, ascending=True)
        if not result.records:
            return dg.SkipReason("no new drift_decisions materialization")
        requests = []
        for record in result.records:
            decisions = record.asset_materialization.metadata["decisions"].value
            for model in model_names:
                if decisions.get(model, {}).get("retrain"):
                    requests.append(retrain_request(model, decisions[model], record.storage_id, record.run_id))
        read = f"{len(result.records)} new drift_decisions materialization(s)"
        if not requests:
            return dg.SensorResult(skip_reason=f"{read}; no model flagged", cursor=result.cursor)
        context.log.info(f"{read}; retraining requested for {len(requests)} model(s)")
        return dg.SensorResult(run_requests=requests, cursor=result.cursor)

    return drift_sensor


PER_SYMBOL_ASSETS = ("candles", "features", "targets")


def build_new_symbols_sensor() -> dg.SensorDefinition:
    @dg.sensor(
        name="new_symbols_sensor",
        target=dg.AssetSelection.assets(*PER_SYMBOL_ASSETS),
        minimum_interval_seconds=settings.sensor_interval_seconds(),
        default_status=dg.DefaultSensorStatus.RUNNING if settings.sync_symbols_enabled() else dg.DefaultSensorStatus.STOPPED,
        description="Makes the symbol partitions the candle source's symbols and computes candles, features and targets of each new one.",
    )
    def new_symbols_sensor(context: dg.SensorEvaluationContext, candle_source: CandleSourceResource):
        source = candle_source.source()
        try:
            offered = source.offered_symbols()
        except (OSError, ValueError) as exc:  # a folder not there yet, an exchange not reachable
            return dg.SkipReason(f"{source.describe()}: {exc}")
        added, removed = symbol_changes(context.instance, offered)
        if not added and not removed:
            return dg.SkipReason(f"no new symbol in {source.describe()}")
        requests = []
        if added:
            requests.append(SYMBOL_PARTITIONS.build_add_request(added))
        if removed:
            requests.append(SYMBOL_PARTITIONS.build_delete_request(removed))
        context.log.info(f"{source.describe()}: symbols added {added or 'none'}, removed {removed or 'none'}")
        return dg.SensorResult(
            dynamic_partitions_requests=requests,
            run_requests=[dg.RunRequest(partition_key=s, run_key=f"new-symbol:{s}", tags={run_tags.NEW_SYMBOL: s}) for s in added],
        )

    return new_symbols_sensor


def build_dead_runs_sensor() -> dg.SensorDefinition:
    @dg.sensor(
        name="dead_runs_sensor",
        minimum_interval_seconds=settings.sensor_interval_seconds(),
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Marks runs whose process died (killed, out of memory) failed, so none stays STARTED forever.",
    )
    def dead_runs_sensor(context: dg.SensorEvaluationContext):
        if not settings.reap_dead_runs(type(context.instance.run_storage).__module__):
            return dg.SkipReason("the instance is not local (runs may be on other machines): BLOFIN_REAP_DEAD_RUNS=on to check anyway")
        marked = mark_dead_runs_failed(context.instance)
        if not marked:
            return dg.SkipReason("no run whose process died")
        context.log.info(f"marked failed: {', '.join(marked)}")
        return dg.SkipReason(f"{len(marked)} dead run(s) marked failed: {', '.join(marked)}")

    return dead_runs_sensor
