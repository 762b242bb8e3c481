"""From features and candles to the labelled, split table the models learn from."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from blofin_assets.market.targets import TargetScales, forward_outcomes, label_targets
from blofin_assets.ml.splits import TRAIN, holdout_split, split_counts

KEY = ["symbol", "timestamp"]


@dataclass(frozen=True)
class HoldoutSpec:
    """How the held-out period is chosen. ``purge`` defaults to the horizon."""

    test_fraction: float = 0.2
    test_days: float | None = None
    purge: int | None = None


@dataclass(frozen=True)
class TargetSet:
    """The value of the ``targets`` asset: labelled rows with their split, and the fitted scales."""

    frame: pd.DataFrame  # symbol, timestamp, target_*, split
    scales: TargetScales
    holdout: HoldoutSpec = field(default_factory=HoldoutSpec)

    @property
    def horizon(self) -> int:
        return self.scales.horizon

    def counts(self) -> dict[str, int]:
        return split_counts(self.frame["split"])


def build_targets(
    candles: pd.DataFrame, features: pd.DataFrame, horizon: int = 5, holdout: HoldoutSpec | None = None
) -> TargetSet:
    """Label every feature row that has a complete forward window and assign its split.

    The split is decided first, then target scales are fitted on the training rows only.
    """
    holdout = holdout or HoldoutSpec()
    outcomes = forward_outcomes(candles, horizon)
    rows = features[KEY].merge(outcomes, on=KEY, how="inner", validate="one_to_one")
    rows = rows.dropna(subset=["future_close", "fwd_volatility", "fwd_adverse", "momentum_change"])
    rows = rows.reset_index(drop=True)
    split = holdout_split(
        rows,
        horizon=horizon,
        test_fraction=holdout.test_fraction,
        test_days=holdout.test_days,
        purge=holdout.purge,
    )
    scales = TargetScales.fit(rows[split == TRAIN], horizon)
    frame = label_targets(rows, scales)
    frame["split"] = split
    return TargetSet(frame=frame.reset_index(drop=True), scales=scales, holdout=holdout)


def model_table(features: pd.DataFrame, targets: TargetSet) -> pd.DataFrame:
    """Features joined to targets on (symbol, timestamp): one row per labelled candle."""
    return features.merge(targets.frame, on=KEY, how="inner", validate="one_to_one")
