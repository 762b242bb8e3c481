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
from blofin_assets.ml.metrics import compare_classification, skill_drop_is_significant
from blofin_assets.ml.models import CandleModel

SIGNAL = "ensemble"  # the model name the ensemble's signal is recorded under


def split_by_outcome(records: pd.DataFrame, table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(records joined to their outcome rows, records still waiting for theirs)."""
    joined = records.merge(table, on=KEY, how="left", indicator=True, suffixes=("", "_table"))
    done = joined["_merge"] == "both"
    return joined[done].drop(columns="_merge").reset_index(drop=True), records[~done.to_numpy()].reset_index(drop=True)


def score_model(model: CandleModel, outcomes: pd.DataFrame, train: pd.DataFrame) -> dict:
    """The model's recorded predictions on ``outcomes`` beside its naive baseline, the model's
    own way (model.compare: chance agreement, no-change price, the symbol's training mean)."""
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


def score_signal(outcomes: pd.DataFrame) -> dict:
    """The ensemble's recorded direction (prediction 1 = UP) against target_direction, beside
    chance agreement; abstained candles are left out (no trade was taken)."""
    traded = outcomes[~outcomes["abstain"].astype(bool)]
    y = traded["target_direction"].to_numpy()
    if not len(y):
        return {"n": 0, "metric": "accuracy", "live": None, "baseline": None, "skill": None}
    comparison = compare_classification(y.astype(np.int64), traded["prediction"].to_numpy().astype(np.int64))
    return {"n": int(len(y)), "metric": "accuracy", "live": comparison["model"]["accuracy"], "baseline": comparison["baseline"]["accuracy"], "skill": comparison["skill"]}


def expected_skill(predicted, confidence, n_classes: int) -> dict:
    """Confidence-based performance estimation, before the labels arrive. With calibrated
    probabilities the expected accuracy of predictions is their mean confidence (the
    probability of the predicted class), and each class's expected share of the labels the
    mean probability of it; chance agreement with the predicted shares, and so the expected
    skill over chance, follow. Only the predicted class's probability is recorded: the rest is
    spread evenly over the other classes (exact for two). Meaningful only where the
    probabilities are calibrated."""
    predicted = np.asarray(predicted, dtype=np.int64)
    confidence = np.asarray(confidence, dtype=np.float64)
    if not len(confidence):
        return {"expected_accuracy": None, "expected_chance": None, "expected_skill": None}
    probabilities = np.repeat(((1.0 - confidence) / (n_classes - 1))[:, None], n_classes, axis=1)
    probabilities[np.arange(len(predicted)), predicted] = confidence
    chance = float(probabilities.mean(axis=0) @ (np.bincount(predicted, minlength=n_classes) / len(predicted)))
    accuracy = float(confidence.mean())
    return {
        "expected_accuracy": accuracy,
        "expected_chance": chance,
        "expected_skill": None if chance >= 1.0 else (accuracy - chance) / (1.0 - chance),
    }


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
    figure monitoring uses (a classifier's and the ensemble's skill over chance; a regressor's
    error relative to its baseline, as model_performance does) with the same figure on
    validation, and counts (``dropped``) with at least ``min_outcomes`` outcomes, beyond
    ``max_drop`` and, for skill, beyond noise. For probabilities (classifiers, the ensemble):
    the expected skill of the pending predictions, trusted only when the labelled ones show an
    expected calibration error within ``max_ece``."""
    n = int(len(outcomes))
    if model is None:
        figures = score_signal(outcomes)
        n = figures["n"]
        held_out = {"model": {"accuracy": validation.get("accuracy")}, "baseline": {"accuracy": validation.get("baseline_accuracy")}, "skill": validation.get("skill"), "n": int(validation.get("n") or 0)}
        live = {"model": {"accuracy": figures["live"]}, "baseline": {"accuracy": figures["baseline"]}, "skill": figures["skill"], "n": n}
        figure, reference, current = "skill", held_out["skill"], figures["skill"]
        validation_main = validation.get("accuracy")
        drop = None if reference is None or current is None else reference - current
        significant = drop is not None and skill_drop_is_significant(held_out, live, horizon)
        traded = outcomes[~outcomes["abstain"].astype(bool)] if n else outcomes
        confidence, correct = traded["confidence"], traded["prediction"].to_numpy() == traded["target_direction"].to_numpy()
        n_classes = 2
    else:
        metric = model.main_metric
        comparison = model.compare(outcomes, train, outcomes["prediction"].to_numpy()) if n else None
        figures = _figures(model, comparison, n) if n else {"n": 0, "metric": metric, "live": None, "baseline": None, "skill": None}
        figure, reference = model.monitored_figure(validation)
        current = model.monitored_figure(comparison)[1] if n else None
        validation_main = validation["model"][metric]
        drop = None if reference is None or current is None else model.performance_drop(reference, current)
        significant = drop is not None and model.drop_is_significant(validation, comparison, horizon)
        # A classifier's confidence is the probability of its predicted class; a regressor's is a
        # hit rate within a tolerance, not an accuracy, so it gives no estimate.
        confidence = outcomes["confidence"] if is_classifier(model) else None
        correct = outcomes["prediction"].to_numpy() == outcomes[model.target].to_numpy() if is_classifier(model) else None
        n_classes = len(model.class_labels) if is_classifier(model) else 0
    enough = figures["n"] >= min_outcomes
    result = {
        **figures,
        "validation": validation_main,
        "figure": figure,
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
        expected = expected_skill(waiting["prediction"].to_numpy(), waiting["confidence"].to_numpy(), n_classes)
        trusted = checked["n"] >= max(1, min_outcomes) and checked["ece"] <= max_ece
        estimated_drop = None if expected["expected_skill"] is None or reference is None else reference - expected["expected_skill"]
        result["estimate"] = {
            **expected,
            "validation_skill": reference,
            "drop": estimated_drop,
            "calibration": checked,
            "trusted": trusted,
            "dropped": bool(trusted and estimated_drop is not None and estimated_drop > max_drop),
        }
    return result
