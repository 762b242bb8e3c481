"""The ``tuning`` asset: on request (run config ``n_trials`` > 0), a hyperparameter search per
model on training rows only, every trial recorded in ``ml_trials``, and its best adopted only
when the verdict corrected for the number of trials says it is not luck (ml/tuning.py)."""

from typing import Optional

import dagster as dg
import pandas as pd

from blofin_assets.defs.config_bounds import CheckedConfig
from blofin_assets.defs.charts import markdown_image, trials_chart
from blofin_assets.defs.checks import logged
from blofin_assets.defs.metadata import finite, md_table, present
from blofin_assets.defs.resources import ModelStoreResource, ResultsDatabase
from blofin_assets.ml.dataset import TrainingTable
from blofin_assets.ml.models import MODEL_CLASSES
from blofin_assets.ml.tuning import CV_SCHEMES, tune
from blofin_assets.storage.tuning_store import TuningStore

VERDICT = "tuning_verdict"


class TuningConfig(CheckedConfig):
    bounds = {"n_trials": (0, 1000), "timeout_seconds": (0.0, 7 * 24 * 3600.0), "folds": (2, 20), "min_dsr_probability": (0.0, 1.0), "max_pbo": (0.0, None)}
    choices = {"cv": ("walk_forward", "cpcv")}
    n_trials: int = 0
    """Trials per model. 0 (the default) searches nothing, so the daily job stays fast; the
    models then train with the parameters adopted last, else their defaults."""
    timeout_seconds: Optional[float] = None
    """Stop each model's search after this long (the trials run so far all count)."""
    models: Optional[list[str]] = None
    """Models to tune; default every model with a search space."""
    cv: str = "walk_forward"
    """Purged cross-validation on the training rows: walk_forward or cpcv (combinatorial)."""
    folds: int = 4
    """Walk-forward folds, or CPCV groups (two tested per split)."""
    seed: int = 0
    """Seed of the search's sampler."""
    min_dsr_probability: float = 0.95
    """Adopt only when the deflated Sharpe ratio's probability is at least this ..."""
    max_pbo: float = 0.5
    """... and the probability of backtest overfitting is below this."""


@dg.asset(
    group_name="tuning",
    kinds={"optuna", "sql"},
    # Not blocking: a search whose best is luck is a correct answer, not a failure (the models
    # then train with the defaults, or the parameters adopted before). It shows as a warning.
    check_specs=[dg.AssetCheckSpec(VERDICT, asset="tuning", description="Tuned parameters are adopted only when the search's best is not luck.")],
    description="Hyperparameter search on training rows (purged CV), every trial counted, its best judged by deflated Sharpe and PBO.",
)
def tuning(
    context: dg.AssetExecutionContext,
    config: TuningConfig,
    training_table: TrainingTable,
    model_store: ModelStoreResource,
    results_db: ResultsDatabase,
):
    if config.cv not in CV_SCHEMES:
        raise ValueError(f"tuning: cv must be one of {CV_SCHEMES}, got {config.cv!r}")
    store = TuningStore(model_store.get())
    if config.n_trials == 0:
        adopted = {name: store.adopted(name) for name in MODEL_CLASSES}
        context.log.info("tuning: no search asked for (n_trials 0); adopted parameters stay")
        yield dg.Output(
            {"searched": {}, "adopted": {n: a for n, a in adopted.items() if a}},
            metadata={"searched": 0, "adopted": ", ".join(n for n, a in adopted.items() if a) or "none"},
        )
        yield dg.AssetCheckResult(check_name=VERDICT, passed=True, description="no search in this run: nothing to adopt")
        return
    unknown = [m for m in config.models or [] if m not in MODEL_CLASSES or not MODEL_CLASSES[m].tunable()]
    if unknown:
        tunable = sorted(n for n, cls in MODEL_CLASSES.items() if cls.tunable())
        raise ValueError(f"tuning: unknown or untunable model(s) {unknown}; tunable: {tunable}")
    results_db.check_writable()  # every trial is recorded: fail before the first, not after
    table = training_table.frame
    study = context.run.run_id
    results, rejected, metadata = {}, [], {}
    db = results_db.get()
    try:
        for name in config.models or [n for n, cls in MODEL_CLASSES.items() if cls.tunable()]:
            context.log.info(f"tuning {name}: {config.n_trials} trial(s), {config.cv} CV on training rows")
            result = tune(
                name, table, training_table.horizon, n_trials=config.n_trials, timeout_seconds=config.timeout_seconds, cv=config.cv,
                folds=config.folds, seed=config.seed, min_probability=config.min_dsr_probability, max_pbo=config.max_pbo,
                on_trial=lambda trial, name=name: db.record_trial(study, name, trial),
            )
            for trial in result.trials:  # pruned and failed ones too: every trial counts
                db.record_trial(study, name, trial)
            if result.adopted:
                store.adopt(name, result.best.params, study, result.verdict)
            else:
                rejected.append(f"{name}: {result.verdict['reason']}")
            results[name] = {"verdict": result.verdict, "adopted": result.adopted, "best_params": result.best.params if result.best else None}
            trials = pd.DataFrame([{"trial": t.number, "state": t.state, "score": t.score, "seconds": t.seconds, **t.params} for t in result.trials])
            metadata[f"{name}_trials"] = dg.MetadataValue.md(md_table(trials))
            metadata[f"{name}_score_by_trial"] = dg.MetadataValue.md(markdown_image(trials_chart(trials, name), f"{name}: score by trial"))
            metadata[f"{name}/best_score"] = finite(result.verdict.get("best_score"))
            metadata[f"{name}/pbo"] = finite(result.verdict.get("pbo", {}).get("pbo"))
            metadata[f"{name}/dsr_probability"] = finite(result.verdict.get("deflated_sharpe", {}).get("probability"))
    finally:
        db.dispose()
    verdict = (
        "not adopted (the defaults, or the parameters adopted before, stay): " + " | ".join(rejected)
        if rejected
        else f"adopted for {', '.join(results)}: each search's best is beyond what its number of trials gives by luck"
    )
    context.log.info(f"tuning verdict: {verdict}")  # the line a script looks for: "tuning verdict: adopted" or "not adopted"
    metadata["verdict"] = "not adopted" if rejected else "adopted"
    yield dg.Output({"searched": results, "adopted": {n: store.adopted(n) for n in results if store.adopted(n)}}, metadata=present(metadata))
    yield dg.AssetCheckResult(check_name=VERDICT, passed=not rejected, severity=dg.AssetCheckSeverity.WARN, description=verdict)
