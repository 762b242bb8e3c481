"""The five targets, per symbol, looking ``horizon`` candles ahead of candle t.

With c = close, l = low, r_t = ln(c_t / c_{t-1}) and h = horizon:
- target_direction   1 if c[t+h] > c[t] else 0
- target_price       c[t+h]
- target_volatility  sqrt(mean(r[t+1..t+h]^2)): realized volatility of the next h candles
- target_risk        0-100: 50 * (F_vol(target_volatility) + F_dd(adverse excursion)), where the
                     adverse excursion is max(0, 1 - min(l[t+1..t+h]) / c[t]) (the worst drop a
                     long entered at c[t] would sit through) and F_vol, F_dd are the empirical
                     distribution functions of those two quantities over the symbol's TRAINING
                     rows. A risk of 80 means a window riskier than most of that symbol's history
                     the models learn from.
- target_momentum    0/1/2 = decelerating/neutral/accelerating: the change of momentum
                     ln(c[t+h]/c[t]) - ln(c[t]/c[t-h]) against its lower and upper terciles over
                     the symbol's TRAINING rows.
The scales (percentiles, terciles) are fitted per symbol on training rows only, so no
test-period statistic and no other symbol shapes a training label. The last h candles of each
symbol have no target: those rows are dropped, never filled.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

MOMENTUM_STATES = ("decelerating", "neutral", "accelerating")
_PERCENTILES = np.linspace(0.0, 100.0, 101)


def forward_outcomes(candles: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Raw forward quantities per candle of every symbol; NaN where the window is incomplete."""
    if horizon < 1:
        raise ValueError(f"horizon must be >= 1, got {horizon}")
    parts = []
    for symbol, group in candles.groupby("symbol", sort=True):
        close, low = group["close"], group["low"]
        r2 = np.log(close / close.shift(1)) ** 2
        future_close = close.shift(-horizon)
        fwd_min_low = low.rolling(horizon, min_periods=horizon).min().shift(-horizon)
        parts.append(
            pd.DataFrame(
                {
                    "symbol": str(symbol),
                    "timestamp": group["timestamp"],
                    "close": close,
                    "future_close": future_close,
                    "fwd_volatility": np.sqrt(
                        r2.rolling(horizon, min_periods=horizon).mean().shift(-horizon)
                    ),
                    "fwd_adverse": np.maximum(0.0, 1.0 - fwd_min_low / close),
                    "momentum_change": np.log(future_close / close)
                    - np.log(close / close.shift(horizon)),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


@dataclass(frozen=True)
class TargetScales:
    """What labelling needs beyond the candles, fitted on training rows."""

    horizon: int
    momentum_low: float
    momentum_high: float
    volatility_percentiles: tuple[float, ...]
    adverse_percentiles: tuple[float, ...]

    @classmethod
    def fit(cls, outcomes: pd.DataFrame, horizon: int) -> "TargetScales":
        if outcomes.empty:
            raise ValueError("cannot fit target scales on zero training rows")
        low, high = np.quantile(outcomes["momentum_change"], [1 / 3, 2 / 3])
        return cls(
            horizon=horizon,
            momentum_low=float(low),
            momentum_high=float(high),
            volatility_percentiles=tuple(
                np.percentile(outcomes["fwd_volatility"], _PERCENTILES).tolist()
            ),
            adverse_percentiles=tuple(np.percentile(outcomes["fwd_adverse"], _PERCENTILES).tolist()),
        )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TargetScales":
        return cls(
            horizon=int(data["horizon"]),
            momentum_low=float(data["momentum_low"]),
            momentum_high=float(data["momentum_high"]),
            volatility_percentiles=tuple(data["volatility_percentiles"]),
            adverse_percentiles=tuple(data["adverse_percentiles"]),
        )


def _cdf(values: np.ndarray, percentiles: tuple[float, ...]) -> np.ndarray:
    """Empirical CDF from stored percentiles, linear between them, 0 and 1 outside."""
    points = np.asarray(percentiles)
    levels = _PERCENTILES / 100.0
    # Ties in the percentile table (e.g. many zero excursions) make the CDF jump; use the
    # upper end of each tie, as an ECDF does.
    points, first = np.unique(points[::-1], return_index=True)
    levels = levels[::-1][first]
    return np.interp(values, points, levels, left=0.0, right=1.0)


def label_targets(outcomes: pd.DataFrame, scales: TargetScales) -> pd.DataFrame:
    """Turn forward outcomes into the five target columns (rows with complete windows only)."""
    complete = outcomes.dropna(subset=["future_close", "fwd_volatility", "fwd_adverse", "momentum_change"])
    change = complete["momentum_change"].to_numpy()
    momentum = np.where(
        change < scales.momentum_low, 0, np.where(change > scales.momentum_high, 2, 1)
    )
    risk = 50.0 * (
        _cdf(complete["fwd_volatility"].to_numpy(), scales.volatility_percentiles)
        + _cdf(complete["fwd_adverse"].to_numpy(), scales.adverse_percentiles)
    )
    labelled = complete[["symbol", "timestamp"]].copy()
    labelled["target_direction"] = (complete["future_close"] > complete["close"]).astype("int64")
    labelled["target_risk"] = risk
    labelled["target_price"] = complete["future_close"]
    labelled["target_momentum"] = momentum.astype("int64")
    labelled["target_volatility"] = complete["fwd_volatility"]
    return labelled
