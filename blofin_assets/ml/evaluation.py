"""Everything the validation of one model computes: holdout, walk-forward, control, audit."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from blofin_assets.ml.leakage import AuditBounds, audit, shuffled_target_control
from blofin_assets.ml.models import CandleModel
from blofin_assets.ml.reports import ValidationReport
from blofin_assets.ml.splits import TEST
from blofin_assets.ml.validation import validate_model
from blofin_assets.ml.walk_forward import walk_forward_evaluation


@dataclass
class Evaluation:
    """The value of a <model>_validation asset."""

    report: ValidationReport  # JSON-ready: holdout, walk-forward, control, audit
    oof: pd.DataFrame | None  # out-of-fold ensemble outputs from the walk-forward folds
    predictions: pd.DataFrame | None = None  # held-out rows: symbol, timestamp, close, actual, predicted


@dataclass(frozen=True)
class ValidationSettings:
    folds: int = 4  # walk-forward folds; 0 skips walk-forward
    mode: str = "expanding"
    embargo_fraction: float = 0.01
    bounds: AuditBounds = field(default_factory=AuditBounds)


def evaluate_model(
    model: CandleModel, hyperparameters: dict, table: pd.DataFrame, horizon: int, settings: ValidationSettings
) -> Evaluation:
    """The validation of a trained ``model``: held-out metrics beside baselines,
    walk-forward metrics (retraining with ``hyperparameters`` per fold), the shuffled-target
    control for the models that run one, and the leakage audit over all of it."""
    test = table[table["split"] == TEST]
    predicted = model.predict(test)
    predictions = test[["symbol", "timestamp", "close"]].assign(actual=test[model.target].to_numpy(), predicted=predicted)
    report = validate_model(model, table, predicted=predicted)
    oof = None
    if settings.folds > 0:
        walk_forward = walk_forward_evaluation(
            model.name,
            hyperparameters,
            table,
            horizon,
            n_folds=settings.folds,
            mode=settings.mode,
            embargo_fraction=settings.embargo_fraction,
        )
        report["walk_forward"], oof = walk_forward.report, walk_forward.oof
    if model.shuffled_control:
        report["shuffled_control"] = shuffled_target_control(
            model.name, hyperparameters, table, horizon, sigmas=settings.bounds.control_sigmas
        )
    report["audit"] = audit(report, settings.bounds)
    return Evaluation(report, oof, predictions.reset_index(drop=True))
