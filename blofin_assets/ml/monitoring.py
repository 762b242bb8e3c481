"""How the current models do on candles they were never trained on, and which need retraining.

Windows come from each model's metadata.json: its training data window per symbol. Unseen
rows are labelled rows after that window plus a purge of ``horizon`` rows (their labels would
overlap the training labels); the recent window is the newest ``recent_rows`` of them per
symbol.

Performance is the model's ``monitored_figure`` (for classifiers the skill over chance, which
the window's class balance does not move; for regressors MAE relative to the naive forecast on
the same rows), compared with the same figure on the validation's held-out period: the model's
``performance_drop``, which must also be significant for the model (``drop_is_significant``:
for a classifier, beyond two standard errors, since a coin-flip model's skill over two weeks
wanders by more than 0.1 on noise alone). See ml/models/tasks.py.
"""

from __future__ import annotations

import json

import pandas as pd

from blofin_assets.ml.drift import feature_drift
from blofin_assets.ml.models import CandleModel


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


def model_performance(
    model: CandleModel, metadata: dict, table: pd.DataFrame, horizon: int, *, recent_rows: int = 336, max_drop: float = 0.10
) -> dict:
    """The model scored on its newest unseen labelled rows, beside its validation figure;
    ``dropped`` when it is worse than that by more than ``max_drop`` (relative)."""
    training, unseen = _windows(table, metadata, horizon, recent_rows)
    held_out = metadata.get("validation", {}).get("pooled")
    metric, validation = model.monitored_figure(held_out) if held_out else (None, None)
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
    comparison = model.compare(unseen, training, model.predict(unseen))
    metric, current = model.monitored_figure(comparison)
    drop = None if validation is None or current is None else model.performance_drop(validation, current)
    dropped = drop is not None and drop > max_drop and model.drop_is_significant(held_out, comparison, horizon)
    return {
        **result,
        "status": "scored",
        "current": current,
        "drop": drop,
        "dropped": dropped,
        model.main_metric: comparison["model"][model.main_metric],
        "skill": comparison["skill"],
        "window_start": unseen["timestamp"].min().isoformat(),
        "window_end": unseen["timestamp"].max().isoformat(),
    }


def model_feature_drift(
    features: pd.DataFrame,
    metadata: dict,
    config: dict,
    *,
    recent_rows: int = 336,
    psi_threshold: float = 0.2,
    drifted_share: float = 0.5,
    measured: dict | None = None,
) -> dict:
    """Drift of a model's own features between its training window and the newest rows.

    The recent window is the newest ``recent_rows`` feature rows per symbol (no label needed).
    ``measured``: figures of the models measured before in this pass, by training window and
    feature; models trained on the same window (all five, after a daily run) share them."""
    spans = metadata["training"]["data_window"]["symbols"]
    window = json.dumps(spans, sort_keys=True)
    shared = None if measured is None else measured.setdefault((window, recent_rows), {})
    columns = ["symbol", "timestamp", *(f for f in config["features"] if shared is None or f not in shared)]
    training, recent = [], []
    for symbol, rows in features[columns].groupby("symbol", sort=True):
        rows = rows.sort_values("timestamp")
        recent.append(rows.tail(recent_rows))
        span = spans.get(str(symbol))
        if span is not None:
            in_window = (rows["timestamp"] >= pd.Timestamp(span["start"])) & (rows["timestamp"] <= pd.Timestamp(span["end"]))
            training.append(rows[in_window])
    if not training or sum(len(t) for t in training) == 0:
        return {"model": metadata["name"], "status": "training window not in the data", "drifted": False}
    result = feature_drift(
        pd.concat(training), pd.concat(recent), config["features"], psi_threshold=psi_threshold, drifted_share=drifted_share, measured=shared
    )
    return {"model": metadata["name"], "version": metadata["version"], "status": "measured", **result}


def severity(value: float, threshold: float) -> str:
    """WARN past the threshold, ERROR past twice the threshold."""
    return "ERROR" if threshold <= 0 or value > 2.0 * threshold else "WARN"


def decide(performance: dict, drift: dict, live: dict | None = None) -> dict:
    """Whether a model should be retrained, and why: its live record (the primary evidence:
    recorded signals judged by what followed, or before the labels the estimate from calibrated
    probabilities), today's re-scoring on the newest labelled candles, and feature drift. Each
    reason says which measurement triggered."""
    reasons = []
    live = live or {}
    if live.get("dropped"):
        reasons.append(
            {
                "reason": "live_performance",
                "metric": f"live {live['figure']} over {live['n']} outcomes",
                "baseline": live["reference"],
                "current": live["current"],
                "severity": severity(live["drop"], live["max_drop"]),
            }
        )
    estimate = live.get("estimate") or {}
    if estimate.get("dropped"):
        reasons.append(
            {
                "reason": "estimated_performance",
                "metric": f"expected skill of {live['pending']} pending predictions",
                "baseline": estimate["validation_skill"],
                "current": estimate["expected_skill"],
                "severity": severity(estimate["drop"], live["max_drop"]),
            }
        )
    if performance.get("dropped"):
        max_drop = performance["max_drop"]
        reasons.append(
            {
                "reason": "performance",
                "metric": performance["metric"],
                "baseline": performance["validation"],
                "current": performance["current"],
                "severity": severity(performance["drop"], max_drop),
            }
        )
    if drift.get("drifted"):
        reasons.append(
            {
                "reason": "feature_drift",
                "metric": "share of features with PSI > threshold",
                "baseline": drift["drifted_share_threshold"],
                "current": drift["drifted_share"],
                "severity": severity(drift["max_psi"], drift["psi_threshold"]),
            }
        )
    return {
        "model": performance["model"],
        "version": performance.get("version"),
        "retrain": bool(reasons),
        "reasons": reasons,
        "drop": performance.get("drop"),
        "live_drop": live.get("drop"),
        "drifted_share": drift.get("drifted_share"),
    }
