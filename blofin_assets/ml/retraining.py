"""Retraining: feature selection from the champion's importances, and champion vs challenger.

A retrained model (the challenger) replaces the current one (the champion) only if it is at
least as good on the same held-out window: the test rows of the current data that lie after
both models' training windows plus the purge gap, scored by the model's ``decision_figure``
(a classifier's skill over chance, a regressor's MAE).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from blofin_assets.ml.models import CandleModel
from blofin_assets.ml.splits import TEST
from blofin_assets.ml.training import ModelVersion, TrainedModel, train_model


def select_features(importance: dict[str, float], min_share: float = 0.01) -> tuple[list[str], list[str]]:
    """(kept, dropped): a feature is dropped when its importance is below ``min_share`` of the
    largest importance. With no positive importance there is no basis to choose: all kept."""
    if not importance:
        return [], []
    top = max(importance.values())
    if top <= 0:
        return list(importance), []
    kept = [f for f, value in importance.items() if value >= min_share * top]
    return kept, [f for f in importance if f not in kept]


def common_window(table: pd.DataFrame, windows: list[dict], horizon: int) -> pd.DataFrame:
    """Test rows that come after every given training window (data_window records) plus a
    purge of ``horizon`` rows, per symbol."""
    parts = []
    for symbol, rows in table.groupby("symbol", sort=True):
        rows = rows.sort_values("timestamp").reset_index(drop=True)
        ends = [pd.Timestamp(w["symbols"][symbol]["end"]) for w in windows if symbol in w["symbols"]]
        first = int((rows["timestamp"] <= max(ends)).sum()) + horizon if ends else 0
        after = rows.iloc[first:]
        parts.append(after[after["split"] == TEST])
    return pd.concat(parts) if parts else table.iloc[0:0]


def score(model: CandleModel, rows: pd.DataFrame) -> tuple[str, float]:
    """(name, value) of the figure a champion and a challenger are compared by on ``rows``."""
    return model.decision_figure(rows[model.target].to_numpy(), model.predict(rows))


@dataclass
class RetrainOutcome:
    challenger: TrainedModel
    accepted: bool
    record: dict  # what the retrain log keeps


def retrain(
    champion: ModelVersion, table: pd.DataFrame, horizon: int, params: dict, *, min_importance_share: float = 0.01
) -> RetrainOutcome:
    """Train a challenger on the current training rows with feature selection, and decide."""
    name = champion.model.name
    kept, dropped = select_features(champion.metadata.get("feature_importance", {}), min_importance_share)
    params = dict(params)
    if dropped and params.get("features") is None:
        params["features"] = [f for f in champion.config["features"] if f in kept]  # the champion's order
    challenger = train_model(name, table, horizon, params)
    challenger.config["feature_selection"] = {
        "rule": f"importance < {min_importance_share:g} x the largest importance of version {champion.version}",
        "dropped": dropped,
    }
    window = common_window(table, [champion.metadata["training"]["data_window"], challenger.training["data_window"]], horizon)
    if window.empty:
        raise ValueError(f"{name}: no held-out rows after both models' training windows to compare them on")
    (metric, old), (_, new) = score(champion.model, window), score(challenger.model, window)
    accepted = challenger.model.at_least_as_good(new, old)
    verdict = "at least as good" if accepted else "worse"
    record = {
        "model": name,
        "metric": metric,
        "champion_version": champion.version,
        "champion_value": old,
        "challenger_value": new,
        "window_rows": int(len(window)),
        "window_start": window["timestamp"].min().isoformat(),
        "window_end": window["timestamp"].max().isoformat(),
        "features_dropped": dropped,
        "decision": "replaced" if accepted else "kept",
        "reason": f"challenger {metric} {new:.6g} vs champion {old:.6g} on the same {len(window)} held-out rows: {verdict}",
    }
    return RetrainOutcome(challenger, accepted, record)
