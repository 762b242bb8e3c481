"""The live record judged: recorded predictions joined to what the market then did, scored
beside the model's validation figure and the naive baseline over the same candles; an
estimate of accuracy before the labels arrive; and live/backtest parity.

A recorded prediction (one row of ``ml_predictions``) has symbol, timestamp (the candle it was
made at), model, version, prediction (class index or value; 1 = UP for the ensemble), p_up,
confidence and abstain. Its outcome is the labelled row of the model table for the same
symbol and candle: it exists once ``horizon`` candles have passed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import is_classifier

from blofin_assets.ml.dataset import KEY
from blofin_assets.ml.metrics import accuracy_difference_se
from blofin_assets.ml.models import CandleModel

SIGNAL = "ensemble"  # the model name the ensemble's signal is recorded under


def split_by_outcome(records: pd.DataFrame, table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(records joined to their outcome rows, records still waiting for theirs)."""
    joined = records.merge(table, on=KEY, how="left", indicator=True, suffixes=("", "_table"))
    done = joined["_merge"] == "both"
    return joined[done].drop(columns="_merge").reset_index(drop=True), records[~done.to_numpy()].reset_index(drop=True)


def score_model(model: CandleModel, outcomes: pd.DataFrame, train: pd.DataFrame) -> dict:
    """The model's recorded predictions on ``outcomes`` beside its naive baseline, the model's
    own way (model.compare: majority class, no-change price, the symbol's training mean)."""
    return _figures(model, model.compare(outcomes, train, outcomes["prediction"].to_numpy()), len(outcomes))


def _figures(model: CandleModel, comparison: dict, n: int) -> dict:
    metric = model.main_metric
    return {
        "n": int(n),
        "metric": metric,
        "live": comparison["model"][metric],
        "baseline": comparison["baseline"][metric],
        "skill": comparison["skill"],
    }


def score_signal(outcomes: pd.DataFrame, train: pd.DataFrame) -> dict:
    """The ensemble's recorded direction (prediction 1 = UP) against target_direction, beside
    the training majority class; abstained candles are left out (no trade was taken)."""
    traded = outcomes[~outcomes["abstain"].astype(bool)]
    y = traded["target_direction"].to_numpy()
    majority = int(train["target_direction"].mode().iloc[0])
    accuracy = float(np.mean(traded["prediction"].to_numpy() == y)) if len(y) else None
    baseline = float(np.mean(y == majority)) if len(y) else None
    skill = None if accuracy is None or baseline >= 1 else (accuracy - baseline) / (1 - baseline)
    return {"n": int(len(y)), "metric": "accuracy", "live": accuracy, "baseline": baseline, "skill": skill}


def expected_accuracy(confidence) -> float | None:
    """Confidence-based performance estimation: with calibrated probabilities, the expected
    accuracy of predictions is the mean probability of the predicted class, max(p, 1 - p)
    for two classes. Meaningful only where the probabilities are calibrated."""
    confidence = np.asarray(confidence, dtype=np.float64)
    return float(confidence.mean()) if len(confidence) else None


def calibration(confidence, correct, bins: int = 10) -> dict:
    """How well the confidence matched the accuracy on labelled rows: the gap of their means
    and the expected calibration error (bins of confidence, weighted by their rows)."""
    confidence = np.asarray(confidence, dtype=np.float64)
    correct = np.asarray(correct, dtype=np.float64)
    if len(confidence) == 0:
        return {"n": 0, "mean_confidence": None, "accuracy": None, "gap": None, "ece": None}
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    ece = sum(
        abs(confidence[which == b].mean() - correct[which == b].mean()) * np.mean(which == b)
        for b in np.unique(which)
    )
    return {
        "n": int(len(confidence)),
        "mean_confidence": float(confidence.mean()),
        "accuracy": float(correct.mean()),
        "gap": float(confidence.mean() - correct.mean()),
        "ece": float(ece),
    }


def parity_differences(recorded: pd.DataFrame, replayed: pd.DataFrame, tolerance: float = 1e-6) -> list[dict]:
    """Recorded live signals against the backtest's signals for the same candles: each candle
    where the direction differs or p_up differs by more than ``tolerance`` (the price MLP runs
    in float32, whose results move in the 8th digit with the batch a row is predicted in)."""
    both = recorded.merge(replayed, on=KEY, suffixes=("_live", "_backtest"))
    differs = (both["direction_live"] != both["direction_backtest"]) | (
        (both["p_up_live"] - both["p_up_backtest"]).abs() > tolerance
    )
    columns = [*KEY, "direction_live", "direction_backtest", "p_up_live", "p_up_backtest"]
    return [
        {**row, "timestamp": pd.Timestamp(row["timestamp"]).isoformat()}
        for row in both.loc[differs, columns].to_dict("records")
    ]


def judge(
    model: CandleModel | None,
    outcomes: pd.DataFrame,
    pending: pd.DataFrame,
    train: pd.DataFrame,
    validation: dict,
    horizon: int,
    *,
    max_drop: float = 0.10,
    min_outcomes: int = 50,
    max_ece: float = 0.05,
) -> dict:
    """One model's live record (``model`` None: the ensemble's signal, ``validation`` then its
    held-out evaluation). ``live`` is its main metric on the outcomes, beside the naive
    ``baseline`` over the same candles and its ``validation`` figure; ``drop`` compares the
    figure monitoring uses (accuracy; a regressor's error relative to its baseline, as
    model_performance does) with the same figure on validation, and counts (``dropped``) with
    at least ``min_outcomes`` outcomes, beyond ``max_drop`` and, for accuracy, beyond noise. For
    probabilities (classifiers, the ensemble): the expected accuracy of the pending predictions,
    trusted only when the labelled ones show an expected calibration error within ``max_ece``."""
    n = int(len(outcomes))
    if model is None:
        figures = score_signal(outcomes, train)
        n = figures["n"]
        reference, current = validation.get("accuracy"), figures["live"]
        validation_main, n_validation = reference, int(validation.get("n") or 0)
        drop = None if not reference or current is None else (reference - current) / reference
        significant = drop is not None and reference - current > 2.0 * accuracy_difference_se(reference, n_validation, current, n, horizon)
        traded = outcomes[~outcomes["abstain"].astype(bool)] if n else outcomes
        confidence, correct = traded["confidence"], traded["prediction"].to_numpy() == traded["target_direction"].to_numpy()
        validation_accuracy = reference
    else:
        metric = model.main_metric
        comparison = model.compare(outcomes, train, outcomes["prediction"].to_numpy()) if n else None
        figures = _figures(model, comparison, n) if n else {"n": 0, "metric": metric, "live": None, "baseline": None, "skill": None}
        _, reference = model.monitored_figure(validation)
        current = model.monitored_figure(comparison)[1] if n else None
        validation_main = validation["model"][metric]
        drop = None if not reference or current is None else model.relative_drop(reference, current)
        significant = drop is not None and model.drop_is_significant(reference, int(validation["n"]), current, n, horizon)
        # A classifier's confidence is the probability of its predicted class; a regressor's is a
        # hit rate within a tolerance, not an accuracy, so it gives no estimate.
        confidence = outcomes["confidence"] if is_classifier(model) else None
        correct = outcomes["prediction"].to_numpy() == outcomes[model.target].to_numpy() if is_classifier(model) else None
        validation_accuracy = validation["model"].get("accuracy")
    enough = figures["n"] >= min_outcomes
    result = {
        **figures,
        "validation": validation_main,
        "current": current,
        "reference": reference,
        "drop": drop,
        "max_drop": max_drop,
        "enough_outcomes": enough,
        "dropped": bool(enough and drop is not None and drop > max_drop and significant),
        "pending": int(len(pending)),
    }
    if confidence is not None:
        checked = calibration(confidence.to_numpy(), correct)
        waiting = pending[~pending["abstain"].astype(bool)] if model is None else pending
        expected = expected_accuracy(waiting["confidence"].to_numpy())
        trusted = checked["n"] >= max(1, min_outcomes) and checked["ece"] <= max_ece
        estimated_drop = None if expected is None or not validation_accuracy else (validation_accuracy - expected) / validation_accuracy
        result["estimate"] = {
            "expected_accuracy": expected,
            "validation_accuracy": validation_accuracy,
            "drop": estimated_drop,
            "calibration": checked,
            "trusted": trusted,
            "dropped": bool(trusted and estimated_drop is not None and estimated_drop > max_drop),
        }
    return result
