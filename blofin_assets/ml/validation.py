"""Held-out validation of a trained model: metrics pooled and per symbol, beside baselines."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import r2_score

from blofin_assets.ml.importance import permutation_importance
from blofin_assets.ml.metrics import (
    compare_classification,
    compare_regression,
    directional_accuracy,
    information_coefficient,
)
from blofin_assets.ml.models.base import CandleModel
from blofin_assets.ml.splits import TEST, TRAIN
from blofin_assets.ml.training import data_window


def compare_on(model: CandleModel, test: pd.DataFrame, train: pd.DataFrame, predicted: np.ndarray) -> dict:
    """Metrics of ``predicted`` on ``test`` beside the baseline learned from ``train``."""
    y = test[model.target].to_numpy()
    if model.task == "classification":
        majority = int(pd.Series(train[model.target]).mode().iloc[0])
        return compare_classification(y, predicted, majority)
    if model.target == "target_price":
        close = test["close"].to_numpy()
        report = compare_regression(y, predicted, close, "no change (price in h candles = close now)")
        # Price levels differ 400x between symbols, so pooled R^2 on prices is near 1 for any
        # sane forecast; R^2 of the implied log return is the figure that shows skill.
        report["model"]["return_r2"] = float(r2_score(np.log(y / close), np.log(predicted / close)))
        report["baseline"]["return_r2"] = float(r2_score(np.log(y / close), np.zeros(len(y))))
        up_share = float((train[model.target] > train["close"]).mean())
        report["model"]["directional_accuracy"] = directional_accuracy(close, y, predicted)
        report["baseline"]["directional_accuracy"] = float(np.mean((y > close) == (up_share > 0.5)))
        return report
    # Per-symbol training mean: a symbol's own average risk or volatility is the honest naive bar.
    means = train.groupby("symbol")[model.target].mean()
    fallback = float(train[model.target].mean())
    baseline = test["symbol"].map(means).fillna(fallback).to_numpy(dtype=np.float64)
    return compare_regression(y, predicted, baseline, "training mean of the symbol")


def direction_skill(report: dict) -> float | None:
    """Skill at calling the direction of the next h candles, for models that imply one."""
    pooled = report["pooled"]
    if "directional_accuracy" in pooled["model"]:
        acc, base = pooled["model"]["directional_accuracy"], pooled["baseline"]["directional_accuracy"]
        return None if base >= 1 else (acc - base) / (1 - base)
    return pooled["skill"]


def validate_model(
    model: CandleModel, table: pd.DataFrame, *, importance_rows: int = 1000, predicted: np.ndarray | None = None
) -> dict:
    """Score ``model`` on the test rows of ``table`` (never trained on, after the purge gap).
    ``predicted``: the model's predictions for those rows, if already made."""
    test = table[table["split"] == TEST]
    train = table[table["split"] == TRAIN]
    if test.empty:
        raise ValueError(f"{model.name}: no test rows to validate on")
    predicted = model.predict(test) if predicted is None else predicted
    realized = np.log(test["target_price"] / test["close"]).to_numpy()
    score = model.direction_score(test)
    report = {
        "model_name": model.name,
        "task": model.task,
        "target": model.target,
        "n_train": int(len(train)),
        "n_test": int(len(test)),
        "test_window": data_window(test),
        "pooled": compare_on(model, test, train, predicted),
        "per_symbol": {},
    }
    if score is not None:
        report["pooled"]["ic"] = information_coefficient(score, realized)
    for symbol, rows in test.groupby("symbol"):
        mask = (test["symbol"] == symbol).to_numpy()
        block = compare_on(model, rows, train[train["symbol"] == symbol], predicted[mask])
        if score is not None:
            block["ic"] = information_coefficient(score[mask], realized[mask])
        report["per_symbol"][str(symbol)] = block
    report["feature_importance"] = permutation_importance(
        model, test, test[model.target].to_numpy(), max_rows=importance_rows
    )
    return report
