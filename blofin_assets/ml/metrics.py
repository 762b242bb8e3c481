"""Metrics, each beside a naive baseline, with a skill figure.

Baselines: classifiers against chance agreement (below); the price model against "no change"
(the price in h candles equals today's close); other regressors against the training mean.
Skill is the share of the baseline's error the model removes:
    skill = 1 - error(model) / error(baseline)
with error = 1 - accuracy for classifiers and MAE for regressors. 0 means no better than the
baseline, negative means worse, 1 would be perfect.

A classifier's baseline is the accuracy that a predictor blind to the label, calling each class
as often as the model did, scores on the same rows: p_e = sum_k share_true(k) share_predicted(k)
(chance agreement given both marginals). Its skill is then Cohen's kappa. A label-independent
predictor has expected skill 0 whatever the class balance does between training and test rows,
which the training period's majority class does not give: when the test period's balance moves
away from it (every trending stretch), the majority class scores below a coin and a coin shows
skill. Computed from integer counts, so a constant predictor's skill is exactly 0.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import spearmanr
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

CHANCE = "chance agreement (blind to the label, the model's class shares)"


def _skill(model_error: float, baseline_error: float) -> float | None:
    if baseline_error <= 0:
        return None
    return float(1.0 - model_error / baseline_error)


def confusion_counts(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    """(labels either side holds, sorted; counts[i, j] of rows labelled labels[i] and predicted
    labels[j]) as integers."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if len(y_true) == 0 or len(y_true) != len(y_pred):
        raise ValueError(f"classification metrics need as many predictions as labels, at least one (got {len(y_true)} and {len(y_pred)})")
    labels = np.union1d(y_true, y_pred)
    k = len(labels)
    pairs = np.searchsorted(labels, y_true) * k + np.searchsorted(labels, y_pred)
    return labels, np.bincount(pairs, minlength=k * k).reshape(k, k)


def chance_skill(counts: np.ndarray) -> tuple[float | None, float]:
    """(skill, chance accuracy) of a confusion matrix: Cohen's kappa in exact integer
    arithmetic, (n hits - E) / (n^2 - E) with E = sum_k true_k predicted_k, so a skill equal to
    chance is 0, never a rounding error's 2e-16. None when chance is certain (both sides one
    and the same class)."""
    n = int(counts.sum())
    hits = int(np.trace(counts))
    expected = sum(int(t) * int(p) for t, p in zip(counts.sum(axis=1), counts.sum(axis=0)))
    denominator = n * n - expected
    return (None if denominator == 0 else (n * hits - expected) / denominator), expected / (n * n)


def classification_skill(y_true, y_pred) -> float | None:
    """Skill over chance agreement (Cohen's kappa) of class predictions."""
    return chance_skill(confusion_counts(y_true, y_pred)[1])[0]


def chance_row_gains(y_true, y_pred) -> np.ndarray:
    """Per row, right minus the chance of a blind predictor with the same class shares being
    right on that row's label, over 1 - chance: their mean is the skill (kappa), and a
    label-independent predictor's gains have mean 0 in expectation."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    labels, counts = confusion_counts(y_true, y_pred)
    predicted_share = counts.sum(axis=0) / len(y_true)
    by_row = predicted_share[np.searchsorted(labels, y_true)]  # P(blind predictor calls this row's label)
    chance = float(by_row.mean())
    if chance >= 1.0:
        return np.zeros(len(y_true))
    return ((y_pred == y_true).astype(np.float64) - by_row) / (1.0 - chance)


def skill_standard_error(accuracy: float, chance: float, n: int, horizon: int) -> float:
    """Standard error of a skill over chance: that of the accuracy, whose labels overlap
    ``horizon`` rows (n / horizon effectively independent), scaled by 1 / (1 - chance)."""
    if chance >= 1.0:
        return math.inf
    return math.sqrt(accuracy * (1.0 - accuracy) / max(1.0, n / horizon)) / (1.0 - chance)


def skill_drop_is_significant(validation: dict, now: dict, horizon: int) -> bool:
    """Whether the skill of comparison ``now`` is below that of ``validation`` by more than two
    standard errors of the difference (``compare_classification``'s records: a coin-flip
    model's skill over two weeks wanders by more than 0.1 on noise alone)."""
    if validation["skill"] is None or now["skill"] is None:
        return False
    spread = [skill_standard_error(c["model"]["accuracy"], c["baseline"]["accuracy"], c["n"], horizon) for c in (validation, now)]
    return validation["skill"] - now["skill"] > 2.0 * math.hypot(*spread)


def classification_metrics(y_true, y_pred) -> dict[str, float]:
    """Accuracy, precision, recall and F1 as scikit-learn defines them (binary on 0/1 labels,
    class 1 positive; otherwise macro over the labels either side holds; 0 where a ratio has
    no rows), from one confusion matrix: its four metric functions each validate and count
    again (0.7 s over the two classifiers' validations at 100k candles). A test compares both
    on random labels."""
    return _figures(*confusion_counts(y_true, y_pred))


def _figures(labels: np.ndarray, counts: np.ndarray) -> dict[str, float]:
    k = len(labels)
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
    return {"accuracy": float(hits.sum() / counts.sum()), **averaged}


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


def compare_classification(y_true, y_pred) -> dict:
    """The model's figures beside chance agreement on the same rows, and its skill (kappa)."""
    labels, counts = confusion_counts(y_true, y_pred)
    skill, chance = chance_skill(counts)
    return {
        "model": _figures(labels, counts),
        "baseline": {"name": CHANCE, "accuracy": chance},
        "skill": skill,
        "n": int(counts.sum()),
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


def information_coefficient(signal, realized) -> float | None:
    """Spearman rank correlation of a signal with the realized forward return (None if either
    is constant or there are fewer than 3 rows)."""
    signal, realized = np.asarray(signal, dtype=float), np.asarray(realized, dtype=float)
    if len(signal) < 3 or np.ptp(signal) == 0 or np.ptp(realized) == 0:
        return None
    return float(spearmanr(signal, realized).statistic)
