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
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score


def _skill(model_error: float, baseline_error: float) -> float | None:
    if baseline_error <= 0:
        return None
    return float(1.0 - model_error / baseline_error)


def classification_metrics(y_true, y_pred) -> dict[str, float]:
    """Accuracy, precision, recall and F1 as scikit-learn defines them (binary on 0/1 labels,
    class 1 positive; otherwise macro over the labels either side holds; 0 where a ratio has
    no rows), from one confusion matrix: its four metric functions each validate and count
    again (0.7 s over the two classifiers' validations at 100k candles). A test compares both
    on random labels."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if len(y_true) == 0 or len(y_true) != len(y_pred):
        raise ValueError(f"classification metrics need as many predictions as labels, at least one (got {len(y_true)} and {len(y_pred)})")
    labels = np.union1d(y_true, y_pred)
    k = len(labels)
    pairs = np.searchsorted(labels, y_true) * k + np.searchsorted(labels, y_pred)
    counts = np.bincount(pairs, minlength=k * k).reshape(k, k)  # rows: true, columns: predicted
    hits, true_totals, predicted_totals = np.diag(counts), counts.sum(axis=1), counts.sum(axis=0)
    if set(labels.tolist()) <= {0, 1}:
        keep = labels == 1  # class 1 alone is scored (zeros if absent)
    else:
        keep = np.ones(k, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted_totals > 0, hits / predicted_totals, 0.0)[keep]
        recall = np.where(true_totals > 0, hits / true_totals, 0.0)[keep]
        errors = true_totals + predicted_totals
        f1 = np.where(errors > 0, 2 * hits / errors, 0.0)[keep]
    averaged = {name: float(values.mean()) if len(values) else 0.0 for name, values in (("precision", precision), ("recall", recall), ("f1", f1))}
    return {"accuracy": float(hits.sum() / len(y_true)), **averaged}


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
