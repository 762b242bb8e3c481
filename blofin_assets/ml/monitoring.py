"""How the current models do on candles they were never trained on, and which need retraining.

Windows come from each model's metadata.json: its training data window per symbol. Unseen
rows are labelled rows after that window plus a purge of ``horizon`` rows (their labels would
overlap the training labels); the recent window is the newest ``recent_rows`` of them per
symbol.

Performance, compared with the same figure on the validation's held-out period:
- classifiers: accuracy; drop = (validation - now) / validation;
- regressors: relative error, MAE / MAE of the naive baseline on the same rows (1 - skill);
  drop = (now - validation) / validation. A regressor's raw MAE grows with the price level and
  with volatility, so a volatile fortnight would look like a worse model; relative to the
  naive forecast on the same candles it does not.
A classifier's drop also has to exceed two standard errors of the difference in accuracy
(binomial, with n / horizon effective rows since neighbouring labels overlap): a coin-flip
model's accuracy over two weeks wanders by more than 10% on noise alone.
"""

from __future__ import annotations

import math

import pandas as pd

from blofin_assets.ml.drift import feature_drift
from blofin_assets.ml.models.base import CandleModel
from blofin_assets.ml.validation import compare_on


def _windows(table: pd.DataFrame, metadata: dict, horizon: int, recent_rows: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(training rows, newest unseen rows) of ``table`` for a model with ``metadata``."""
    spans = metadata["training"]["data_window"]["symbols"]
    training, unseen = [], []
    for symbol, rows in table.groupby("symbol", sort=True):
        rows = rows.sort_values("timestamp")
        span = spans.get(str(symbol))
        if span is None:  # a symbol the model never saw: all of it is unseen
            unseen.append(rows.tail(recent_rows))
            continue
        start, end = pd.Timestamp(span["start"]), pd.Timestamp(span["end"])
        training.append(rows[(rows["timestamp"] >= start) & (rows["timestamp"] <= end)])
        after = rows[rows["timestamp"] > end].iloc[horizon:]
        unseen.append(after.tail(recent_rows))
    empty = table.iloc[0:0]
    return (pd.concat(training) if training else empty), (pd.concat(unseen) if unseen else empty)


def main_metric(task: str) -> str:
    return "accuracy" if task == "classification" else "mae"


def monitored_figure(task: str, comparison: dict) -> tuple[str, float | None]:
    """(name, value) of the figure monitoring compares, from a compare_on()-style result."""
    if task == "classification":
        return "accuracy", comparison["model"]["accuracy"]
    baseline = comparison["baseline"]["mae"]
    return "relative_error", (comparison["model"]["mae"] / baseline if baseline else None)


def accuracy_difference_se(acc_a: float, n_a: int, acc_b: float, n_b: int, horizon: int) -> float:
    """Standard error of a difference of two accuracies whose labels overlap ``horizon`` rows."""
    eff_a, eff_b = max(1.0, n_a / horizon), max(1.0, n_b / horizon)
    return math.sqrt(acc_a * (1 - acc_a) / eff_a + acc_b * (1 - acc_b) / eff_b)


def relative_drop(task: str, validation: float, now: float) -> float:
    if validation == 0:
        return 0.0
    return (validation - now) / validation if task == "classification" else (now - validation) / validation


def model_performance(
    model: CandleModel, metadata: dict, table: pd.DataFrame, horizon: int, *, recent_rows: int = 336, max_drop: float = 0.10
) -> dict:
    """The model scored on its newest unseen labelled rows, beside its validation figure;
    ``dropped`` when it is worse than that by more than ``max_drop`` (relative)."""
    training, unseen = _windows(table, metadata, horizon, recent_rows)
    held_out = metadata.get("validation", {}).get("pooled")
    metric, validation = monitored_figure(model.task, held_out) if held_out else (None, None)
    result = {
        "model": model.name,
        "version": metadata["version"],
        "metric": metric,
        "validation": validation,
        "n": int(len(unseen)),
        "max_drop": max_drop,
    }
    if unseen.empty or training.empty:
        return {**result, "status": "no unseen labelled rows yet", "current": None, "drop": None, "dropped": False}
    comparison = compare_on(model, unseen, training, model.predict(unseen))
    metric, current = monitored_figure(model.task, comparison)
    drop = None if validation is None or current is None else relative_drop(model.task, validation, current)
    dropped = drop is not None and drop > max_drop
    if dropped and model.task == "classification":
        n_validation = metadata["validation"]["pooled"]["n"]
        dropped = validation - current > 2.0 * accuracy_difference_se(validation, n_validation, current, len(unseen), horizon)
    return {
        **result,
        "status": "scored",
        "current": current,
        "drop": drop,
        "dropped": dropped,
        main_metric(model.task): comparison["model"][main_metric(model.task)],
        "skill": comparison["skill"],
        "window_start": unseen["timestamp"].min().isoformat(),
        "window_end": unseen["timestamp"].max().isoformat(),
    }


def model_feature_drift(
    features: pd.DataFrame, metadata: dict, config: dict, *, recent_rows: int = 336, psi_threshold: float = 0.2, drifted_share: float = 0.5
) -> dict:
    """Drift of a model's own features between its training window and the newest rows.

    The recent window is the newest ``recent_rows`` feature rows per symbol (no label needed)."""
    spans = metadata["training"]["data_window"]["symbols"]
    training, recent = [], []
    for symbol, rows in features.groupby("symbol", sort=True):
        rows = rows.sort_values("timestamp")
        recent.append(rows.tail(recent_rows))
        span = spans.get(str(symbol))
        if span is not None:
            in_window = (rows["timestamp"] >= pd.Timestamp(span["start"])) & (rows["timestamp"] <= pd.Timestamp(span["end"]))
            training.append(rows[in_window])
    if not training or sum(len(t) for t in training) == 0:
        return {"model": metadata["name"], "status": "training window not in the data", "drifted": False}
    result = feature_drift(
        pd.concat(training), pd.concat(recent), config["features"], psi_threshold=psi_threshold, drifted_share=drifted_share
    )
    return {"model": metadata["name"], "version": metadata["version"], "status": "measured", **result}


def severity(ratio: float) -> str:
    """WARN past the threshold, ERROR past twice the threshold (``ratio`` = value / threshold)."""
    return "ERROR" if ratio > 2.0 else "WARN"


def decide(performance: dict, drift: dict) -> dict:
    """Whether a model should be retrained, and why (from the flags of the two measurements)."""
    reasons = []
    if performance.get("dropped"):
        max_drop = performance["max_drop"]
        reasons.append(
            {
                "reason": "performance",
                "metric": performance["metric"],
                "baseline": performance["validation"],
                "current": performance["current"],
                "severity": severity(performance["drop"] / max_drop) if max_drop > 0 else "ERROR",
            }
        )
    if drift.get("drifted"):
        reasons.append(
            {
                "reason": "feature_drift",
                "metric": "share of features with PSI > threshold",
                "baseline": drift["drifted_share_threshold"],
                "current": drift["drifted_share"],
                "severity": severity(drift["max_psi"] / drift["psi_threshold"]),
            }
        )
    return {
        "model": performance["model"],
        "version": performance.get("version"),
        "retrain": bool(reasons),
        "reasons": reasons,
        "drop": performance.get("drop"),
        "drifted_share": drift.get("drifted_share"),
    }
