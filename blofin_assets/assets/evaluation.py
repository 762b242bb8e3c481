"""Validation of each model on the held-out period (with walk-forward folds, a shuffled-target
control and the leakage audit as an asset check), and the comparison of all five."""

import dagster as dg
import numpy as np
import pandas as pd

from blofin_assets.assets.markdown import finite, md_table
from blofin_assets.charts import confusion_chart, importance_chart, markdown_image, prediction_chart
from blofin_assets.market.targets import MOMENTUM_STATES
from blofin_assets.ml.dataset import TargetSet, model_table
from blofin_assets.ml.evaluation import Evaluation, ValidationSettings, evaluate_model
from blofin_assets.ml.leakage import AuditBounds
from blofin_assets.ml.models import MODEL_NAMES
from blofin_assets.ml.reporting import comparison_table, per_symbol_table, walk_forward_table
from blofin_assets.ml.store import ModelRef
from blofin_assets.resources import ModelStoreResource, ResultsDatabase
from blofin_assets.storage.jsonsafe import jsonable
from blofin_assets.storage.results import result_row

LEAKAGE_CHECK = "leakage_audit"


class ValidationConfig(dg.Config):
    folds: int = 4
    """Walk-forward folds (0 skips walk-forward)."""
    mode: str = "expanding"
    """Walk-forward training windows: expanding or sliding."""
    embargo_fraction: float = 0.01
    """Rows after each test block never trained on, as a share of the symbol's rows."""
    max_direction_accuracy: float = 0.70
    """The audit fails a held-out direction accuracy above this."""
    max_skill_gap: float = 0.15
    """The audit fails held-out skill this far (and 3 fold std) above walk-forward skill."""

    def settings(self) -> ValidationSettings:
        bounds = AuditBounds(max_direction_accuracy=self.max_direction_accuracy, max_skill_gap=self.max_skill_gap)
        return ValidationSettings(folds=self.folds, mode=self.mode, embargo_fraction=self.embargo_fraction, bounds=bounds)


def validation_asset(model_name: str) -> dg.AssetsDefinition:
    asset_name = f"{model_name}_validation"

    @dg.asset(
        name=asset_name,
        group_name="evaluation",
        kinds={"pandas"},
        ins={"trained": dg.AssetIn(model_name)},
        check_specs=[
            dg.AssetCheckSpec(
                LEAKAGE_CHECK,
                asset=asset_name,
                blocking=True,
                description="Fails when held-out skill is implausible on market data (a sign of leakage).",
            )
        ],
        description=f"{model_name} on the held-out period (after a purge gap) and over walk-forward folds, beside naive baselines.",
    )
    def _validation(
        context: dg.AssetExecutionContext,
        config: ValidationConfig,
        trained: ModelRef,
        features: pd.DataFrame,
        targets: TargetSet,
        model_store: ModelStoreResource,
        results_db: ResultsDatabase,
    ):
        store = model_store.get()
        stored = store.load(trained.name, trained.version)
        evaluation = evaluate_model(
            stored.model,
            stored.config["hyperparameters"],
            model_table(features, targets),
            targets.horizon,
            config.settings(),
        )
        evaluation.report["model_version"] = stored.version
        evaluation.report = report = jsonable(evaluation.report)
        store.update_metadata(
            trained.name,
            stored.version,
            {"validation": report, "feature_importance": report["feature_importance"]},
        )
        row = result_row(
            trained.name,
            stored.version,
            context.run.run_id,
            stored.config["estimator_used"],
            stored.metadata["training"],
            report,
        )
        db = results_db.get()
        try:
            db.record([row])
        finally:
            db.dispose()

        yield dg.Output(evaluation, metadata={**_metadata(report), **_charts(report, evaluation.predictions)})
        audit = report["audit"]
        yield dg.AssetCheckResult(
            check_name=LEAKAGE_CHECK,
            passed=audit["passed"],
            severity=dg.AssetCheckSeverity.ERROR,
            description="; ".join(audit["findings"]) or "held-out skill is plausible and in line with walk-forward skill",
            metadata={
                "holdout_skill": finite(audit["holdout_skill"]),
                "skill_gap_to_walk_forward": finite(audit["skill_gap"]),
                "direction_accuracy": finite(audit["direction_accuracy"]),
                **(
                    {"shuffled_target_accuracy": finite(report["shuffled_control"]["accuracy"])}
                    if "shuffled_control" in report
                    else {}
                ),
            },
        )

    return _validation


def _metadata(report: dict) -> dict:
    pooled = report["pooled"]
    main = "accuracy" if report["task"] == "classification" else "mae"
    importance = sorted(report["feature_importance"].items(), key=lambda kv: -kv[1])[:8]
    metadata = {
        main: finite(pooled["model"][main]),
        f"baseline_{main}": finite(pooled["baseline"][main]),
        "skill": finite(pooled["skill"]),
        "n_test": report["n_test"],
        "test_window": f"{report['test_window']['start']} .. {report['test_window']['end']}",
        "metrics": dg.MetadataValue.md(md_table(per_symbol_table(report))),
        "top_features": dg.MetadataValue.md(
            md_table(pd.DataFrame(importance, columns=["feature", "loss increase when shuffled"]))
        ),
    }
    if "ic" in pooled:
        metadata["ic"] = finite(pooled["ic"])
    if "walk_forward" in report:
        summary = report["walk_forward"]["summary"]
        metadata["walk_forward_skill_mean"] = finite(summary["skill"]["mean"])
        metadata["walk_forward_skill_std"] = finite(summary["skill"]["std"])
        metadata["walk_forward"] = dg.MetadataValue.md(md_table(walk_forward_table(report)))
    return {k: v for k, v in metadata.items() if v is not None}


def _charts(report: dict, predictions: pd.DataFrame) -> dict:
    """Feature importance, and a confusion matrix (classifiers) or predicted vs actual with
    residuals (regressors; the price model in log returns, so symbols share one scale)."""
    name = report["model_name"]
    charts = {
        "feature_importance": importance_chart(report["feature_importance"], f"{name}: permutation importance, held-out rows")
    }
    actual, predicted = predictions["actual"], predictions["predicted"]
    if report["task"] == "classification":
        labels = list(MOMENTUM_STATES) if name == "momentum_classifier" else ["DOWN", "UP"]
        charts["confusion_matrix"] = confusion_chart(actual, predicted, labels, f"{name}: held-out rows")
    else:
        unit = {"risk_scorer": "risk (0-100)", "volatility_regressor": "volatility"}.get(name, "log return")
        if name == "price_predictor":
            actual, predicted = np.log(actual / predictions["close"]), np.log(predicted / predictions["close"])
        charts["predicted_vs_actual"] = prediction_chart(actual, predicted, f"{name}: held-out rows", unit)
    return {key: dg.MetadataValue.md(markdown_image(png, key.replace("_", " "))) for key, png in charts.items()}


VALIDATION_ASSETS = [validation_asset(name) for name in MODEL_NAMES]


@dg.asset(
    group_name="evaluation",
    kinds={"pandas"},
    ins={f"{name}_validation": dg.AssetIn(f"{name}_validation") for name in MODEL_NAMES},
    description="All five models' held-out and walk-forward metrics in one table, each beside its baseline.",
)
def model_comparison(**validations: Evaluation) -> dg.Output[pd.DataFrame]:
    table = comparison_table([v.report for v in validations.values()])
    return dg.Output(
        table,
        metadata={
            "comparison": dg.MetadataValue.md(md_table(table.drop(columns=["version"]))),
            "models_beating_baseline": int((table["skill"].fillna(0) > 0).sum()),
        },
    )
