"""Metrics, each beside a naive baseline, with a skill figure.

Baselines: classifiers against the training majority class; the price model against "no
change" (the price in h candles equals today's close); other regressors against the training
mean. Skill is the share of the baseline's error the model removes:
    skill = 1 - error(model) / error(baseline)
with error = 1 - accuracy for classifiers and MAE for regressors. 0 means no better than the
baseline, negative means worse, 1 would be perfect.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import spearmanr
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    mean_absolute_error,
    mean_squared_error,
    precision_score,
    r2_score,
    recall_score,
)


def _skill(model_error: float, baseline_error: float) -> float | None:
    if baseline_error <= 0:
        return None
    return float(1.0 - model_error / baseline_error)


def classification_metrics(y_true, y_pred) -> dict[str, float]:
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    binary = set(np.unique(y_true).tolist()) | set(np.unique(y_pred).tolist()) <= {0, 1}
    average = "binary" if binary else "macro"
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "precision": float(precision_score(y_true, y_pred, average=average, zero_division=0)),
        "recall": float(recall_score(y_true, y_pred, average=average, zero_division=0)),
        "f1": float(f1_score(y_true, y_pred, average=average, zero_division=0)),
    }


def mape(y_true, y_pred) -> float | None:
    """Mean absolute percentage error over rows whose true value is not zero (None if none)."""
    y_true, y_pred = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    nonzero = y_true != 0
    if not nonzero.any():
        return None
    return float(np.mean(np.abs((y_true[nonzero] - y_pred[nonzero]) / y_true[nonzero])))


def regression_metrics(y_true, y_pred) -> dict[str, float | None]:
    y_true, y_pred = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    return {
        "mae": float(mean_absolute_error(y_true, y_pred)),
        "rmse": float(np.sqrt(mean_squared_error(y_true, y_pred))),
        "mape": mape(y_true, y_pred),
        "r2": float(r2_score(y_true, y_pred)) if len(y_true) > 1 else None,
    }


def compare_classification(y_true, y_pred, majority_class: int) -> dict:
    model = classification_metrics(y_true, y_pred)
    baseline = classification_metrics(y_true, np.full(len(y_true), majority_class))
    return {
        "model": model,
        "baseline": {"name": f"majority class ({majority_class})", **baseline},
        "skill": _skill(1.0 - model["accuracy"], 1.0 - baseline["accuracy"]),
        "n": int(len(y_true)),
    }


def compare_regression(y_true, y_pred, baseline_pred, baseline_name: str) -> dict:
    model = regression_metrics(y_true, y_pred)
    baseline = regression_metrics(y_true, baseline_pred)
    return {
        "model": model,
        "baseline": {"name": baseline_name, **baseline},
        "skill": _skill(model["mae"], baseline["mae"]),
        "n": int(len(np.asarray(y_true))),
    }


def directional_accuracy(close, y_true_price, y_pred_price) -> float:
    """How often a price forecast gets the sign of the move right (ties count as down)."""
    actual_up = np.asarray(y_true_price) > np.asarray(close)
    predicted_up = np.asarray(y_pred_price) > np.asarray(close)
    return float(np.mean(actual_up == predicted_up))


def information_coefficient(signal, realized) -> float | None:
    """Spearman rank correlation of a signal with the realized forward return (None if either
    is constant or there are fewer than 3 rows)."""
    signal, realized = np.asarray(signal, dtype=float), np.asarray(realized, dtype=float)
    if len(signal) < 3 or np.ptp(signal) == 0 or np.ptp(realized) == 0:
        return None
    return float(spearmanr(signal, realized).statistic)


def accuracy_difference_se(acc_a: float, n_a: int, acc_b: float, n_b: int, horizon: int) -> float:
    """Standard error of a difference of two accuracies whose labels overlap ``horizon`` rows
    (neighbouring labels share a window, so n / horizon rows are effectively independent)."""
    eff_a, eff_b = max(1.0, n_a / horizon), max(1.0, n_b / horizon)
    return math.sqrt(acc_a * (1 - acc_a) / eff_a + acc_b * (1 - acc_b) / eff_b)
