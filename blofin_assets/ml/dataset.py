"""From features and candles to the labelled, split table the models learn from."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from blofin_assets.market.targets import OUTCOME_COLUMNS, BarrierSpec, TargetScales, forward_outcomes, label_targets
from blofin_assets.ml.splits import TRAIN, holdout_split, split_counts

KEY = ["symbol", "timestamp"]


@dataclass(frozen=True)
class HoldoutSpec:
    """How the held-out period is chosen.

    Parameters
    ----------
    test_fraction : float
        Share of each symbol's newest labelled rows held out.
    test_days : float, optional
        Hold out the last ``test_days`` days instead.
    purge : int, optional
        Rows left out between training and test rows; default and minimum the horizon.
    train_days : float, optional
        Train on the last ``train_days`` days before the held-out period only (a rolling
        window); default every earlier row (expanding). The replay's windows follow it too.
    """

    test_fraction: float = 0.2
    test_days: float | None = None
    purge: int | None = None
    train_days: float | None = None


@dataclass(frozen=True)
class TargetSet:
    """The value of the ``targets`` asset: labelled rows with their split, and each symbol's
    fitted scales. Symbols are labelled independently, so a set splits into one set per symbol
    and pools back (how the per-symbol partitions are stored and read).

    Parameters
    ----------
    frame : DataFrame
        symbol, timestamp, the five target columns and split (train, purge or test).
    scales : dict of str to TargetScales
        Each symbol's target scales, fitted on its training rows.
    horizon : int
        Candles ahead the targets look.
    holdout : HoldoutSpec
        How the split was made.
    barrier : BarrierSpec
        How the triple-barrier label was drawn, and which direction label the models learn.
    """

    frame: pd.DataFrame  # symbol, timestamp, target_*, split
    scales: dict[str, TargetScales]  # per symbol
    horizon: int
    holdout: HoldoutSpec = field(default_factory=HoldoutSpec)
    barrier: BarrierSpec = field(default_factory=BarrierSpec)

    def counts(self) -> dict[str, int]:
        return split_counts(self.frame["split"])

    def by_symbol(self) -> dict[str, "TargetSet"]:
        return {
            symbol: TargetSet(rows.reset_index(drop=True), {symbol: self.scales[symbol]}, self.horizon, self.holdout, self.barrier)
            for symbol, rows in self.frame.groupby("symbol", sort=True)
        }

    @staticmethod
    def pooled(parts: list["TargetSet"]) -> "TargetSet":
        """One set from per-symbol sets built with the same horizon and holdout."""
        if not parts:
            raise ValueError("no target sets to pool")
        first = parts[0]
        for part in parts[1:]:
            if (part.horizon, part.holdout, part.barrier) != (first.horizon, first.holdout, first.barrier):
                raise ValueError(
                    f"cannot pool targets built with horizon {part.horizon} / {part.holdout} / {part.barrier} and "
                    f"horizon {first.horizon} / {first.holdout} / {first.barrier}: re-materialize targets for every symbol"
                )
        frame = pd.concat([part.frame for part in parts], ignore_index=True)
        scales = {symbol: s for part in parts for symbol, s in part.scales.items()}
        return TargetSet(frame, scales, first.horizon, first.holdout, first.barrier)


def build_targets(
    candles: pd.DataFrame, features: pd.DataFrame, horizon: int = 5, holdout: HoldoutSpec | None = None, barrier: BarrierSpec | None = None
) -> TargetSet:
    """Label every feature row that has a complete forward window and assign its split.

    Per symbol, the split is decided first, then that symbol's target scales are fitted on its
    training rows only: a symbol's labels never depend on another symbol's prices.
    """
    holdout = holdout or HoldoutSpec()
    barrier = barrier or BarrierSpec()
    outcomes = forward_outcomes(candles, horizon, barrier)
    rows = features[KEY].merge(outcomes, on=KEY, how="inner", validate="one_to_one")
    rows = rows.dropna(subset=OUTCOME_COLUMNS)
    rows = rows.reset_index(drop=True)
    split = holdout_split(
        rows,
        horizon=horizon,
        test_fraction=holdout.test_fraction,
        test_days=holdout.test_days,
        purge=holdout.purge,
        train_days=holdout.train_days,
    )
    frames, scales = [], {}
    for symbol, group in rows.groupby("symbol", sort=True):
        scales[symbol] = TargetScales.fit(group[split.loc[group.index] == TRAIN], horizon)
        labelled = label_targets(group, scales[symbol], barrier)
        labelled["split"] = split.loc[group.index].to_numpy()
        frames.append(labelled)
    frame = pd.concat(frames, ignore_index=True)
    return TargetSet(frame=frame, scales=scales, horizon=horizon, holdout=holdout, barrier=barrier)


def model_table(features: pd.DataFrame, targets: TargetSet) -> pd.DataFrame:
    """Features joined to targets on (symbol, timestamp): one row per labelled candle."""
    return features.merge(targets.frame, on=KEY, how="inner", validate="one_to_one")


@dataclass
class TrainingTable:
    """What the models, validations and everything after them learn from: the features of every
    labelled candle joined to its targets and split, joined once per run (``training_table``).

    Parameters
    ----------
    frame : DataFrame
        ``model_table``'s rows: symbol, timestamp, the features, the targets and split.
    horizon : int
        Candles ahead the targets look.
    holdout : HoldoutSpec
        How the split was made.
    """

    frame: pd.DataFrame
    horizon: int
    holdout: HoldoutSpec = field(default_factory=HoldoutSpec)


def training_table(features: pd.DataFrame, targets: TargetSet) -> TrainingTable:
    return TrainingTable(model_table(features, targets), targets.horizon, targets.holdout)
