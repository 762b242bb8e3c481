"""Held-out validation of a trained model: metrics pooled and per symbol, beside baselines."""

from __future__ import annotations

import numpy as np
import pandas as pd

from blofin_assets.ml.importance import permutation_importance
from blofin_assets.ml.metrics import information_coefficient
from blofin_assets.ml.models import CandleModel
from blofin_assets.ml.reports import Comparison, ValidationReport
from blofin_assets.ml.splits import TEST, TRAIN
from blofin_assets.ml.training import data_window


def realized_log_return(rows: pd.DataFrame) -> np.ndarray:
    """ln(close[t+h] / close[t]) of labelled rows: what a direction score should rank with."""
    return np.log(rows["target_price"] / rows["close"]).to_numpy()


def score_rows(
    model: CandleModel, test: pd.DataFrame, train: pd.DataFrame, predicted: np.ndarray
) -> tuple[Comparison, dict[str, Comparison]]:
    """``predicted`` on ``test`` beside the baseline learned from ``train``, pooled and per
    symbol, each with the information coefficient where the model has a direction score."""
    score = model.direction_score(test)
    realized = realized_log_return(test)
    pooled = model.compare(test, train, predicted)
    if score is not None:
        pooled["ic"] = information_coefficient(score, realized)
    per_symbol = {}
    for symbol, rows in test.groupby("symbol"):
        mask = (test["symbol"] == symbol).to_numpy()
        block = model.compare(rows, train[train["symbol"] == symbol], predicted[mask])
        if score is not None:
            block["ic"] = information_coefficient(score[mask], realized[mask])
        per_symbol[str(symbol)] = block
    return pooled, per_symbol


def direction_skill(report: ValidationReport) -> float | None:
    """Skill over chance at calling the direction of the next h candles, for models that imply
    one: a classifier's own skill, or the one its comparison gives for the implied direction."""
    metric = report.get("direction_metric")
    if metric is None:
        return None
    pooled = report["pooled"]
    return pooled["skill"] if metric == report["metric"] else pooled.get("direction_skill")


def validate_model(
    model: CandleModel, table: pd.DataFrame, *, importance_rows: int = 1000, predicted: np.ndarray | None = None
) -> ValidationReport:
    """Score ``model`` on the test rows of ``table`` (never trained on, after the purge gap).
    ``predicted``: the model's predictions for those rows, if already made."""
    test = table[table["split"] == TEST]
    train = table[table["split"] == TRAIN]
    if test.empty:
        raise ValueError(f"{model.name}: no test rows to validate on")
    predicted = model.predict(test) if predicted is None else predicted
    pooled, per_symbol = score_rows(model, test, train, predicted)
    return {
        "model_name": model.name,
        "task": model.task,
        "metric": model.main_metric,
        "direction_metric": model.direction_metric,
        "target": model.target,
        "n_train": int(len(train)),
        "n_effective_train": getattr(model, "n_effective_", None),
        "n_test": int(len(test)),
        "test_window": data_window(test),
        "pooled": pooled,
        "per_symbol": per_symbol,
        "feature_importance": permutation_importance(model, test, test[model.target].to_numpy(), max_rows=importance_rows),
    }
