"""Retraining in the replay by the live loop's drift rules, not only by the calendar.

Live, the daily monitoring re-scores each served model on its newest labelled candles against
its validation figure and measures the drift of its features since its training window
(ml/monitoring.py), and a model that has dropped is retrained. With a ``DriftRule`` the replay
does the same at every check: each period's models are fitted as the pipeline fits them (the
training window less its newest ``holdout`` share, which gives each its validation figure), the
checks run the monitoring's own functions on what was known at the check, and a period ends
where one of its models is flagged, or where the schedule's ``retrain_every`` has passed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from blofin_assets.ml.monitoring import decide, model_feature_drift, model_performance
from blofin_assets.ml.splits import TEST, TRAIN, holdout_split
from blofin_assets.ml.training import data_window


@dataclass(frozen=True)
class DriftRule:
    """When the replay checks its models, and what flags one (the monitoring's defaults).

    Parameters
    ----------
    check_every : pd.Timedelta
        Time between checks (live: daily).
    recent_rows : int
        Newest rows per symbol the performance and the drift are measured on.
    max_drop : float
        A drop of the monitored figure beyond this (and significant) flags a model.
    psi_threshold, drifted_share : float
        A model whose share of features with PSI above the threshold exceeds ``drifted_share``
        has drifted.
    holdout : float
        Newest share of each training window held out for the models' validation figures.
    """

    check_every: pd.Timedelta = pd.Timedelta(days=1)
    recent_rows: int = 336
    max_drop: float = 0.10
    psi_threshold: float = 0.2
    drifted_share: float = 0.5
    holdout: float = 0.2


def split_window(window: pd.DataFrame, horizon: int, rule: DriftRule) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(training rows, held-out rows) of a training window, purged as the pipeline's holdout."""
    labels = holdout_split(window, horizon=horizon, test_fraction=rule.holdout)
    return window[labels == TRAIN], window[labels == TEST]


def validated_metadata(name: str, version: str, model, train: pd.DataFrame, held_out: pd.DataFrame) -> dict:
    """What monitoring reads of a served model: its training window and its validation figure."""
    return {
        "name": name,
        "version": version,
        "training": {"data_window": data_window(train)},
        "validation": {"pooled": model.compare(held_out, train, model.predict(held_out))},
    }


def retrain_reasons(members: dict, metadata: dict[str, dict], table: pd.DataFrame, at: pd.Timestamp, horizon: int, bar: pd.Timedelta, rule: DriftRule) -> list[dict]:
    """The monitoring's reasons to retrain each member at ``at``, from what was known then:
    labels whose candle ``t + h`` had closed, features of candles opened before it."""
    labelled = table[table["timestamp"] + (horizon + 1) * bar <= at]
    features = table[table["timestamp"] < at]
    measured: dict = {}
    reasons = []
    for name, model in members.items():
        performance = model_performance(model, metadata[name], labelled, horizon, recent_rows=rule.recent_rows, max_drop=rule.max_drop)
        drift = model_feature_drift(
            features, metadata[name], {"features": list(model.feature_names_in_)}, recent_rows=rule.recent_rows,
            psi_threshold=rule.psi_threshold, drifted_share=rule.drifted_share, measured=measured,
        )
        decision = decide(performance, drift)
        reasons += [{"model": name, **reason} for reason in decision["reasons"]]
    return reasons
