"""drift_sensor: retrain the models that drift_decisions flags.

Every new materialization of ``drift_decisions`` is read once, in order: the sensor's cursor
is the event-log position of the last one read, so a tick never re-reads a materialization
and, after a restart, picks up every one it has not read. Each flagged model gets one run
(run key: model + materialization) that re-materializes the model, its validation, the
comparison, the ensemble and the backtest, tagged with why.
"""

import dagster as dg

from blofin_assets import settings
from blofin_assets.defs import run_tags

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
