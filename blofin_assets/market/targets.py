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
- target_barrier     the triple barrier (López de Prado, ch. 3): from c[t], an upper and a lower
                     barrier at c[t] exp(+-w) with w = ``multiple`` x sigma_t x sqrt(h), sigma_t the
                     std of the last 50 log returns up to t (causal); the first bar of t+1..t+h
                     whose high reaches the upper (+1) or whose low reaches the lower (-1) decides;
                     none by t+h: 0, or the sign of ln(c[t+h]/c[t]) (``vertical``: zero | sign).
                     Both in the same bar (the order inside a bar is unknown): the lower, i.e.
                     for a long the stop counts first, so a label never flatters a trade.
- target_touch       which came first: 1 upper, -1 lower, 2 both in one bar, 0 none by t+h;
                     target_first the same as classes 0 neither (none or both) / 1 upper / 2 lower;
                     target_touch_bars the bars to the touch (h when none).
- target_bars        h: how many candles a fixed-horizon label spans (sample uniqueness);
                     target_direction_bars the span of target_direction (h, or the touch bars
                     when the direction is the barrier's: ``direction: barrier``).
The scales (percentiles, terciles) are fitted per symbol on training rows only, so no
test-period statistic and no other symbol shapes a training label. The last h candles of each
symbol have no target: those rows are dropped, never filled.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

MOMENTUM_STATES = ("decelerating", "neutral", "accelerating")
BARRIER_OUTCOMES = ("neither", "upper first", "lower first")
_PERCENTILES = np.linspace(0.0, 100.0, 101)
VOLATILITY_WINDOW = 50  # log returns behind sigma_t, the barriers' scale
NONE, UPPER, LOWER, BOTH = 0, 1, -1, 2
VERTICAL_RULES = ("zero", "sign")
DIRECTION_LABELS = ("close", "barrier")


@dataclass(frozen=True)
class BarrierSpec:
    """How the triple-barrier label is drawn, and which direction label the models learn.

    Parameters
    ----------
    multiple : float
        Barrier distance in the symbol's volatility over the horizon, sigma_t sqrt(h).
    vertical : str
        No barrier touched by t+h: ``zero`` labels 0, ``sign`` the sign of the return.
    direction : str
        ``close``: target_direction is "close higher in h candles"; ``barrier``: "the upper
        barrier first, or no touch and a higher close" (needs vertical = sign).
    """

    multiple: float = 1.0
    vertical: str = "zero"
    direction: str = "close"

    def __post_init__(self):
        if not (np.isfinite(self.multiple) and self.multiple > 0):
            raise ValueError(f"barrier multiple must be a positive number, got {self.multiple}")
        if self.vertical not in VERTICAL_RULES:
            raise ValueError(f"vertical must be one of {VERTICAL_RULES}, got {self.vertical!r}")
        if self.direction not in DIRECTION_LABELS:
            raise ValueError(f"direction must be one of {DIRECTION_LABELS}, got {self.direction!r}")
        if self.direction == "barrier" and self.vertical != "sign":
            raise ValueError("direction: barrier needs vertical: sign (with zero, every untouched window would be DOWN)")


def barrier_touches(close, high, low, horizon: int, width) -> tuple[np.ndarray, np.ndarray]:
    """(which barrier came first, bars to it) for each candle of one symbol: barriers at
    close exp(+-width), looked for in the highs and lows of the next ``horizon`` candles. NaN
    where the window is incomplete or the width unknown."""
    close, high, low = (np.asarray(a, dtype=np.float64) for a in (close, high, low))
    width = np.asarray(width, dtype=np.float64)
    n = len(close)
    upper, lower = close * np.exp(width), close * np.exp(-width)
    touch = np.full(n, np.nan)
    bars = np.full(n, np.nan)
    open_ = np.isfinite(width)
    for k in range(1, horizon + 1):
        ahead = np.arange(n) + k
        inside = ahead < n
        hi = np.where(inside, high[np.minimum(ahead, n - 1)], np.nan)
        lo = np.where(inside, low[np.minimum(ahead, n - 1)], np.nan)
        up, down = hi >= upper, lo <= lower
        hit = open_ & (up | down)
        touch[hit] = np.where(up & down, BOTH, np.where(up, UPPER, LOWER))[hit]
        bars[hit] = k
        open_ &= ~hit
    complete = np.isfinite(width) & (np.arange(n) + horizon < n)
    touch[open_ & complete] = NONE
    bars[open_ & complete] = horizon
    return touch, bars


def forward_outcomes(candles: pd.DataFrame, horizon: int, barrier: BarrierSpec | None = None) -> pd.DataFrame:
    """Raw forward quantities per candle of every symbol; NaN where the window is incomplete."""
    if horizon < 1:
        raise ValueError(f"horizon must be >= 1, got {horizon}")
    barrier = barrier or BarrierSpec()
    parts = []
    for symbol, group in candles.groupby("symbol", sort=True):
        close, low = group["close"], group["low"]
        sigma = np.log(close / close.shift(1)).rolling(VOLATILITY_WINDOW, min_periods=VOLATILITY_WINDOW).std()
        touch, touch_bars = barrier_touches(close, group["high"], low, horizon, barrier.multiple * sigma * np.sqrt(horizon))
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
                    "touch": touch,
                    "touch_bars": touch_bars,
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


OUTCOME_COLUMNS = ["future_close", "fwd_volatility", "fwd_adverse", "momentum_change", "touch", "touch_bars"]


def label_targets(outcomes: pd.DataFrame, scales: TargetScales, barrier: BarrierSpec | None = None) -> pd.DataFrame:
    """Turn forward outcomes into the target columns (rows with complete windows only)."""
    barrier = barrier or BarrierSpec()
    complete = outcomes.dropna(subset=OUTCOME_COLUMNS)
    change = complete["momentum_change"].to_numpy()
    momentum = np.where(
        change < scales.momentum_low, 0, np.where(change > scales.momentum_high, 2, 1)
    )
    risk = 50.0 * (
        _cdf(complete["fwd_volatility"].to_numpy(), scales.volatility_percentiles)
        + _cdf(complete["fwd_adverse"].to_numpy(), scales.adverse_percentiles)
    )
    touch = complete["touch"].to_numpy().astype(np.int64)
    higher = complete["future_close"].to_numpy() > complete["close"].to_numpy()
    untouched = (np.where(higher, 1, -1) if barrier.vertical == "sign" else 0)
    target_barrier = np.where(touch == UPPER, 1, np.where((touch == LOWER) | (touch == BOTH), -1, untouched))
    horizon = scales.horizon
    labelled = complete[["symbol", "timestamp"]].copy()
    labelled["target_direction"] = (target_barrier > 0 if barrier.direction == "barrier" else higher).astype("int64")
    labelled["target_risk"] = risk
    labelled["target_price"] = complete["future_close"]
    labelled["target_momentum"] = momentum.astype("int64")
    labelled["target_volatility"] = complete["fwd_volatility"]
    labelled["target_barrier"] = target_barrier.astype("int64")
    labelled["target_touch"] = touch
    labelled["target_first"] = np.select([touch == UPPER, touch == LOWER], [1, 2], 0).astype("int64")
    labelled["target_touch_bars"] = complete["touch_bars"].to_numpy().astype(np.int64)
    labelled["target_bars"] = np.full(len(complete), horizon, dtype=np.int64)
    labelled["target_direction_bars"] = labelled["target_touch_bars"] if barrier.direction == "barrier" else labelled["target_bars"]
    return labelled
