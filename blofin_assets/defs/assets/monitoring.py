"""Monitoring (metric) assets, refreshed daily: how the current models do on candles they never
saw, how far their features drifted, and which models to retrain. drift_sensor watches
``drift_decisions`` and requests the retraining runs."""

from datetime import datetime, timezone

import dagster as dg
import pandas as pd

from blofin_assets.defs.config_bounds import CheckedConfig
from blofin_assets.defs.checks import drift_result, per_model_specs, performance_result
from blofin_assets.defs.metadata import finite, md_table, present
from blofin_assets.defs.resources import ModelStoreResource, ResultsDatabase
from blofin_assets.ml import monitoring as monitor
from blofin_assets.ml.dataset import TrainingTable
from blofin_assets.storage.jsonsafe import jsonable
from blofin_assets.storage.retrain_log import record_retrain_events, update_performance_history


class PerformanceConfig(CheckedConfig):
    bounds = {"recent_rows": (1, 1_000_000), "max_drop": (0.0, 1.0)}
    recent_rows: int = 336
    """Newest unseen labelled rows per symbol to score each model on (336 = two weeks of 1h)."""
    max_drop: float = 0.10
    """Worsening against the model's validation figure that calls for retraining: a fall of a
    classifier's skill over chance, a relative rise of a regressor's error."""


class DriftConfig(CheckedConfig):
    bounds = {"recent_rows": (1, 1_000_000), "psi_threshold": (0.0, 100.0), "drifted_share": (0.0, 1.0)}
    recent_rows: int = 336
    """Newest feature rows per symbol compared with the model's training window."""
    psi_threshold: float = 0.2
    """A feature drifted when its PSI is above this."""
    drifted_share: float = 0.5
    """A model's data drifted when at least this share of its features drifted."""


def decision_events(decisions: dict[str, dict], run_id: str) -> list[dict]:
    """One retrain-log event per model's decision."""
    events = []
    for name, decision in decisions.items():
        first = decision["reasons"][0] if decision["reasons"] else {}
        events.append(
            {
                "model": name,
                "run_id": run_id,
                "decision": "retrain_requested" if decision["retrain"] else "no_retrain",
                "reason": "; ".join(r["reason"] for r in decision["reasons"]) or "performance and features within thresholds",
                "metric": first.get("metric"),
                "baseline": first.get("baseline"),
                "current": first.get("current"),
                "severity": first.get("severity"),
                "version": decision["version"],
            }
        )
    return events


def monitoring_assets(model_names: tuple[str, ...]) -> list[dg.AssetsDefinition]:
    """model_performance, performance_history, feature_drift and drift_decisions over the models."""
    # After the promotion (ensemble_config), not just the models: monitoring judges the current
    # models against the validation figures written into their metadata.json.
    promoted = [dg.AssetKey("ensemble_config")]

    @dg.asset(
        group_name="monitoring",
        kinds={"pandas"},
        deps=promoted,
        check_specs=per_model_specs("model_performance", "performance", "no worse than its validation by more than max_drop", model_names),
        description="Each current model scored on the newest labelled candles it was not trained on, beside its validation figure.",
    )
    def model_performance(
        context: dg.AssetExecutionContext,
        config: PerformanceConfig,
        training_table: TrainingTable,
        model_store: ModelStoreResource,
    ):
        store = model_store.get()
        table = training_table.frame
        rows = []
        for name in model_names:
            stored = store.load(name)
            rows.append(
                monitor.model_performance(
                    stored.model, stored.metadata, table, training_table.horizon, recent_rows=config.recent_rows, max_drop=config.max_drop
                )
            )
        frame = pd.DataFrame(rows)
        metadata = {"performance": dg.MetadataValue.md(md_table(frame[["model", "metric", "validation", "current", "drop", "n"]]))}
        for row in rows:
            metadata[f"{row['model']}/{row['metric']}"] = finite(row["current"])
            metadata[f"{row['model']}/drop"] = finite(row["drop"])
        yield dg.Output(frame, metadata=present(metadata))
        for row in rows:
            yield performance_result(row, config.max_drop)

    @dg.asset(
        group_name="monitoring",
        kinds={"json"},
        description="Daily performance of each model, one entry per model per day (also models/performance_history.json).",
    )
    def performance_history(model_performance: pd.DataFrame, model_store: ModelStoreResource) -> dg.Output[pd.DataFrame]:
        today = datetime.now(timezone.utc).date().isoformat()
        entries = [
            {"date": today, **{k: row[k] for k in ("model", "version", "metric", "validation", "current", "drop", "n")}}
            for row in jsonable(model_performance.to_dict("records"))
        ]
        history = pd.DataFrame(update_performance_history(model_store.get().root, entries))
        return dg.Output(history, metadata={"days": int(history["date"].nunique()), "entries": len(history)})

    @dg.asset(
        group_name="monitoring",
        kinds={"pandas"},
        deps=promoted,
        check_specs=per_model_specs("feature_drift", "feature_drift", "its features' distribution has not drifted", model_names),
        description="PSI and KS of each model's features between its training window and the newest candles.",
    )
    def feature_drift(context: dg.AssetExecutionContext, config: DriftConfig, features: pd.DataFrame, model_store: ModelStoreResource):
        store = model_store.get()
        results, measured = {}, {}
        for name in model_names:
            model_config, metadata, _ = store.read(name)
            results[name] = monitor.model_feature_drift(
                features,
                metadata,
                model_config,
                recent_rows=config.recent_rows,
                psi_threshold=config.psi_threshold,
                drifted_share=config.drifted_share,
                measured=measured,
            )
        summary = pd.DataFrame(
            [{"model": n, "drifted": r["drifted"], "drifted_share": r.get("drifted_share"), "max_psi": r.get("max_psi")} for n, r in results.items()]
        )
        metadata = {"drift": dg.MetadataValue.md(md_table(summary))}
        for name, result in results.items():
            metadata[f"{name}/drifted_share"] = finite(result.get("drifted_share"))
            metadata[f"{name}/max_psi"] = finite(result.get("max_psi"))
        yield dg.Output(jsonable(results), metadata=present(metadata))
        for name, result in results.items():
            yield drift_result(name, result, config.psi_threshold)

    @dg.asset(
        group_name="monitoring",
        kinds={"json"},
        description="Which models to retrain and why, from the live record, model_performance and feature_drift; drift_sensor acts on it.",
    )
    def drift_decisions(
        context: dg.AssetExecutionContext,
        model_performance: pd.DataFrame,
        feature_drift: dict,
        prediction_outcomes: dict,
        model_store: ModelStoreResource,
        results_db: ResultsDatabase,
    ) -> dg.Output[dict]:
        performance = {row["model"]: row for row in model_performance.to_dict("records")}
        decisions = {
            name: monitor.decide(performance[name], feature_drift[name], prediction_outcomes.get(name))
            for name in model_names
        }
        db = results_db.get()
        try:
            record_retrain_events(model_store.get().root, db, decision_events(decisions, context.run.run_id))
        finally:
            db.dispose()
        flagged = [name for name, d in decisions.items() if d["retrain"]]
        context.log.info(f"retraining needed: {flagged or 'none'}")
        return dg.Output(
            jsonable(decisions),
            metadata={
                "decisions": dg.MetadataValue.json(jsonable(decisions)),
                "models_to_retrain": len(flagged),
                "retrain": ", ".join(flagged) or "none",
            },
        )

    return [model_performance, performance_history, feature_drift, drift_decisions]
