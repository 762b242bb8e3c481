"""Validation of each model on the held-out period (with walk-forward folds, a shuffled-target
control and the leakage audit as an asset check), and the comparison of all of them."""

import dagster as dg
import pandas as pd
from sklearn.base import is_classifier

from blofin_assets.defs.config_bounds import CheckedConfig
from blofin_assets.defs.charts import (
    calibration_table,
    confusion_chart,
    confusion_table,
    importance_chart,
    importance_table,
    markdown_image,
    prediction_chart,
)
from blofin_assets.defs.checks import leakage_result, leakage_spec, logged
from blofin_assets.defs.metadata import finite, md_table, present
from blofin_assets.defs.resources import ModelStoreResource, ResultsDatabase
from blofin_assets.ml.dataset import TrainingTable
from blofin_assets.ml.evaluation import Evaluation, ValidationSettings, evaluate_model
from blofin_assets.ml.leakage import AuditBounds
from blofin_assets.ml.models import CandleModel
from blofin_assets.ml.reporting import SECONDARY_FIGURES, comparison_table, headline, per_symbol_table, walk_forward_table
from blofin_assets.ml.reports import ValidationReport
from blofin_assets.storage.jsonsafe import jsonable
from blofin_assets.storage.model_store import ModelRef, ModelStore, StoredModel
from blofin_assets.storage.results import result_row


class ValidationConfig(CheckedConfig):
    bounds = {"folds": (0, 20), "embargo_fraction": (0.0, 0.5), "max_direction_accuracy": (0.5, 1.0), "max_skill_gap": (0.0, 1.0)}
    choices = {"mode": ("expanding", "sliding")}
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


def record_validation(store: ModelStore, stored: StoredModel, report: ValidationReport, run_id: str, results_db: ResultsDatabase) -> None:
    """The report into the model's metadata.json and a row of ml_model_results."""
    name = stored.model.name
    store.update_metadata(name, stored.version, {"validation": report, "feature_importance": report["feature_importance"]})
    row = result_row(name, stored.version, run_id, stored.config["estimator_used"], stored.metadata["training"], report)
    db = results_db.get()
    try:
        db.record([row])
    finally:
        db.dispose()


def report_metadata(report: ValidationReport) -> dict:
    pooled, metric, figures = report["pooled"], report["metric"], headline(report)
    metadata = {
        metric: finite(pooled["model"][metric]),
        f"baseline_{metric}": finite(pooled["baseline"][metric]),
        "skill": finite(pooled["skill"]),
        "n_train": report["n_train"],
        # how many independent labels the overlapping training labels are worth
        "n_effective_train": finite(report.get("n_effective_train")),
        "n_test": report["n_test"],
        "test_window": f"{report['test_window']['start']} .. {report['test_window']['end']}",
        "metrics": dg.MetadataValue.md(md_table(per_symbol_table(report))),
        "feature_importance": dg.MetadataValue.md(importance_table(report["feature_importance"])),
        "ic": finite(pooled["ic"]) if "ic" in pooled else None,
        # the secondary figures each task has (f1; rmse and r2), out of the narrow table
        **{key: finite(figures[key]) for key in SECONDARY_FIGURES},
    }
    if "walk_forward" in report:
        summary = report["walk_forward"]["summary"]
        metadata["walk_forward_skill_mean"] = finite(summary["skill"]["mean"])
        metadata["walk_forward_skill_std"] = finite(summary["skill"]["std"])
        metadata["walk_forward"] = dg.MetadataValue.md(md_table(walk_forward_table(report)))
    return present(metadata)


def report_charts(model: CandleModel, report: ValidationReport, predictions: pd.DataFrame) -> dict:
    """A confusion matrix (classifiers) or predicted against actual by group of prediction
    (regressors, on the scale of their ``chart_unit``) as tables the UI shows in place, and the
    full charts (every feature's importance; the matrix, or the scatter with residuals) as PNGs
    one click deep."""
    name = model.name
    actual, predicted, close = predictions["actual"], predictions["predicted"], predictions["close"]
    pngs = [importance_chart(report["feature_importance"], f"{name}: permutation importance, held-out rows")]
    if is_classifier(model):
        labels = list(model.class_labels)
        metadata = {"confusion_matrix": confusion_table(actual, predicted, labels)}
        pngs.append(confusion_chart(actual, predicted, labels, f"{name}: held-out rows"))
    else:
        actual, predicted = model.chart_values(actual, close), model.chart_values(predicted, close)
        metadata = {"predicted_vs_actual": calibration_table(actual, predicted, model.chart_unit)}
        pngs.append(prediction_chart(actual, predicted, f"{name}: held-out rows", model.chart_unit))
    metadata["charts"] = "\n\n".join(markdown_image(png, f"{name} chart") for png in pngs)
    return {key: dg.MetadataValue.md(text) for key, text in metadata.items()}


def validation_asset(cls: type[CandleModel]) -> dg.AssetsDefinition:
    asset_name = f"{cls.name}_validation"

    @dg.asset(
        name=asset_name,
        group_name="evaluation",
        kinds={"pandas"},
        ins={"trained": dg.AssetIn(cls.name)},
        check_specs=[leakage_spec(asset_name)],
        description=f"{cls.name} on the held-out period (after a purge gap) and over walk-forward folds, beside naive baselines.",
    )
    def _validation(
        context: dg.AssetExecutionContext,
        config: ValidationConfig,
        trained: ModelRef,
        training_table: TrainingTable,
        model_store: ModelStoreResource,
        results_db: ResultsDatabase,
    ):
        store = model_store.get()
        stored = store.load(trained.name, trained.version)
        table = training_table.frame
        evaluation = evaluate_model(stored.model, stored.config["hyperparameters"], table, training_table.horizon, config.settings())
        evaluation.report = report = jsonable({**evaluation.report, "model_version": stored.version, "horizon": training_table.horizon})
        record_validation(store, stored, report, context.run.run_id, results_db)
        metadata = {**report_metadata(report), **report_charts(stored.model, report, evaluation.predictions)}
        yield dg.Output(evaluation, metadata=metadata)
        yield logged(context, leakage_result(report))

    return _validation


def comparison_asset(model_names: tuple[str, ...]) -> dg.AssetsDefinition:
    @dg.asset(
        name="model_comparison",
        group_name="evaluation",
        kinds={"pandas"},
        ins={f"{name}_validation": dg.AssetIn(f"{name}_validation") for name in model_names},
        description="Every model's held-out and walk-forward metrics in one table, each beside its baseline.",
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

    return model_comparison

