"""The ``features`` and ``targets`` assets, one partition per symbol like ``candles``."""

from typing import Optional

import dagster as dg
import pandas as pd

from blofin_assets.defs.config_bounds import CheckedConfig
from blofin_assets.defs.metadata import md_table
from blofin_assets.market.features import FEATURE_COLUMNS, NEUTRAL_WHEN_UNDEFINED, WARMUP_CANDLES, compute_features
from blofin_assets.market.targets import BARRIER_OUTCOMES, DIRECTION_LABELS, VERTICAL_RULES, BarrierSpec
from blofin_assets.ml.dataset import HoldoutSpec, TargetSet, TrainingTable, build_targets, training_table as join_table
from blofin_assets.defs.partitions import PER_SYMBOL


@dg.asset(
    group_name="features",
    kinds={"pandas"},
    **PER_SYMBOL,
    description="Causal technical features per symbol (RSI, MACD, ATR, ADX, ...); warm-up rows dropped.",
)
def features(context: dg.AssetExecutionContext, candles: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    frame = compute_features(candles)
    dropped = len(candles) - len(frame)
    neutral = neutral_counts(frame)
    context.log.info(f"{len(frame)} feature rows; {dropped} warm-up or incomplete rows dropped; neutral values: {neutral or 'none'}")
    return dg.Output(
        frame,
        metadata={
            "dagster/row_count": len(frame),
            "columns": ", ".join(FEATURE_COLUMNS),
            "warmup_candles_per_symbol": WARMUP_CANDLES,
            "rows_dropped": dropped,
            # Rows whose value is the neutral stand-in for an undefined one (no volume, no movement).
            "neutral_values": ", ".join(f"{c} = {v:g}" for c, v in NEUTRAL_WHEN_UNDEFINED.items()),
            "rows_with_neutral_values": dg.MetadataValue.json(neutral),
        },
    )


def neutral_counts(frame: pd.DataFrame) -> dict[str, int]:
    """Per feature, the rows that hold its neutral value (where it was undefined, or by chance)."""
    counts = {c: int((frame[c] == v).sum()) for c, v in NEUTRAL_WHEN_UNDEFINED.items()}
    return {c: n for c, n in counts.items() if n}


class TargetsConfig(CheckedConfig):
    bounds = {
        "horizon": (1, 500), "test_fraction": (0.01, 0.9), "test_days": (0.01, 3650.0), "purge": (0, 10_000), "train_days": (1.0, 3650.0),
        "barrier_multiple": (0.01, 100.0),
    }
    choices = {"barrier_vertical": VERTICAL_RULES, "direction_label": DIRECTION_LABELS}
    horizon: int = 5
    """Candles ahead that every target looks."""
    test_fraction: float = 0.2
    """Share of each symbol's newest labelled rows held out for validation."""
    test_days: Optional[float] = None
    """Hold out the last N days instead of test_fraction."""
    purge: Optional[int] = None
    """Rows left out between training and test rows; default and minimum: horizon."""
    train_days: Optional[float] = None
    """Train on the last N days before the held-out period only (a rolling window; the replay
    retrains on the same window); default: every earlier row."""
    barrier_multiple: float = 1.0
    """Triple-barrier distance, in the symbol's volatility over the horizon (sigma sqrt(h))."""
    barrier_vertical: str = "zero"
    """No barrier touched within the horizon: zero labels 0, sign the sign of the return."""
    direction_label: str = "close"
    """What target_direction means: close (a higher close in horizon candles) or barrier (the
    upper barrier first, or no touch and a higher close; needs barrier_vertical: sign)."""


@dg.asset(
    group_name="features",
    kinds={"pandas"},
    **PER_SYMBOL,
    description="Five targets per candle, horizon candles ahead, with each row's train/purge/test split.",
)
def targets(
    context: dg.AssetExecutionContext, config: TargetsConfig, candles: pd.DataFrame, features: pd.DataFrame
) -> dg.Output[TargetSet]:
    holdout = HoldoutSpec(test_fraction=config.test_fraction, test_days=config.test_days, purge=config.purge, train_days=config.train_days)
    try:
        barrier = BarrierSpec(config.barrier_multiple, config.barrier_vertical, config.direction_label)
    except ValueError as error:
        raise dg.Failure(description=f"targets: {error}") from error
    target_set = build_targets(candles, features, horizon=config.horizon, holdout=holdout, barrier=barrier)
    counts = target_set.counts()
    test = target_set.frame[target_set.frame["split"] == "test"]
    context.log.info(f"targets at horizon {config.horizon}: {counts}")
    return dg.Output(
        target_set,
        metadata={
            "dagster/row_count": len(target_set.frame),
            "horizon": config.horizon,
            "train_rows": counts["train"],
            "purged_rows": counts["purge"],
            "rows_before_window": counts["before_window"],
            "test_rows": counts["test"],
            "test_starts": test["timestamp"].min().isoformat(),
            "momentum_thresholds": dg.MetadataValue.md(
                md_table(
                    pd.DataFrame(
                        [
                            {"symbol": s, "low": f"{scale.momentum_low:.5f}", "high": f"{scale.momentum_high:.5f}"}
                            for s, scale in target_set.scales.items()
                        ]
                    )
                )
            ),
            "barrier_outcomes_in_training": dg.MetadataValue.json(barrier_shares(target_set)),
            "share_up_in_training": float(
                target_set.frame.loc[target_set.frame["split"] == "train", "target_direction"].mean()
            ),
        },
    )


@dg.asset(
    group_name="features",
    kinds={"pandas"},
    description="Every symbol's features joined to its targets and split, once: what the models, validations, ensemble and backtests read.",
)
def training_table(context: dg.AssetExecutionContext, features: pd.DataFrame, targets: TargetSet) -> dg.Output[TrainingTable]:
    table = join_table(features, targets)
    splits = table.frame["split"].value_counts()
    context.log.info(f"training table: {len(table.frame)} labelled rows of {table.frame['symbol'].nunique()} symbol(s)")
    return dg.Output(
        table,
        metadata={
            "dagster/row_count": len(table.frame),
            "symbols": int(table.frame["symbol"].nunique()),
            "horizon": table.horizon,
            **{f"{split}_rows": int(n) for split, n in splits.items()},
        },
    )


def barrier_shares(target_set: TargetSet) -> dict[str, float]:
    """Share of training rows whose window touched the upper barrier first, the lower, or neither."""
    first = target_set.frame.loc[target_set.frame["split"] == "train", "target_first"]
    return {name: round(float((first == k).mean()), 4) for k, name in enumerate(BARRIER_OUTCOMES)}
