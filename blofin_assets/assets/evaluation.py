"""Validation of each model on the held-out period, and the comparison of all five."""

import dagster as dg
import pandas as pd

from blofin_assets.assets.markdown import finite, md_table
from blofin_assets.ml.dataset import TargetSet, model_table
from blofin_assets.ml.models import MODEL_NAMES
from blofin_assets.ml.reporting import comparison_table, per_symbol_table
from blofin_assets.ml.store import ModelRef
from blofin_assets.ml.validation import validate_model
from blofin_assets.resources import ModelStoreResource, ResultsDatabase
from blofin_assets.storage.jsonsafe import jsonable
from blofin_assets.storage.results import result_row


def validation_asset(model_name: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=f"{model_name}_validation",
        group_name="evaluation",
        kinds={"pandas"},
        ins={"trained": dg.AssetIn(model_name)},
        description=f"{model_name} on the held-out period (after a purge gap), pooled and per symbol, beside a naive baseline.",
    )
    def _validation(
        context: dg.AssetExecutionContext,
        trained: ModelRef,
        features: pd.DataFrame,
        targets: TargetSet,
        model_store: ModelStoreResource,
        results_db: ResultsDatabase,
    ) -> dg.Output[dict]:
        store = model_store.get()
        stored = store.load(trained.name, trained.version)
        report = validate_model(stored.model, model_table(features, targets))
        report["model_version"] = stored.version
        report = jsonable(report)
        store.update_metadata(
            trained.name,
            stored.version,
            {"validation": report, "feature_importance": report["feature_importance"]},
        )
        db = results_db.get()
        try:
            db.record(
                [
                    result_row(
                        trained.name,
                        stored.version,
                        context.run.run_id,
                        stored.config["estimator_used"],
                        stored.metadata["training"],
                        report,
                    )
                ]
            )
        finally:
            db.dispose()
        pooled = report["pooled"]
        main = "accuracy" if report["task"] == "classification" else "mae"
        importance = sorted(report["feature_importance"].items(), key=lambda kv: -kv[1])[:8]
        return dg.Output(
            report,
            metadata={
                main: finite(pooled["model"][main]),
                f"baseline_{main}": finite(pooled["baseline"][main]),
                "skill": finite(pooled["skill"]),
                "n_test": report["n_test"],
                "test_window": f"{report['test_window']['start']} .. {report['test_window']['end']}",
                "metrics": dg.MetadataValue.md(md_table(per_symbol_table(report))),
                "top_features": dg.MetadataValue.md(
                    md_table(pd.DataFrame(importance, columns=["feature", "loss increase when shuffled"]))
                ),
            },
        )

    return _validation


VALIDATION_ASSETS = [validation_asset(name) for name in MODEL_NAMES]


@dg.asset(
    group_name="evaluation",
    kinds={"pandas"},
    ins={f"{name}_validation": dg.AssetIn(f"{name}_validation") for name in MODEL_NAMES},
    description="All five models' held-out metrics in one table, each beside its baseline.",
)
def model_comparison(**reports: dict) -> dg.Output[pd.DataFrame]:
    table = comparison_table(list(reports.values()))
    return dg.Output(
        table,
        metadata={
            "comparison": dg.MetadataValue.md(md_table(table.drop(columns=["version"]))),
            "models_beating_baseline": int((table["skill"].fillna(0) > 0).sum()),
        },
    )
