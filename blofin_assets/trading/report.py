"""The figures a quant reads off a backtest, as Qlib's signal and portfolio analyses give them.

Signal (against the forward return it predicts, ln(close[t+h] / close[t])):
- IC: Pearson correlation of the signal with the forward return; rank IC: Spearman's;
- ICIR: the mean of the daily rank ICs over their standard deviation (how steady the signal is
  from day to day, not only on average).
Portfolio (from the ledger, equity starting at 1):
- total and annualised return, annualised Sharpe ratio of the per-bar returns (crypto trades
  all year: 8,766 hourly bars), maximum drawdown;
- turnover: notional traded per day as a multiple of equity; exposure: share of bars with a
  position; average leverage while in the market;
- trades (runs of one side) and hit rate (share of trades that made money after their costs);
- fees, slippage and funding paid, as fractions of the starting equity (funding received
  counts negative).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import pearsonr, spearmanr

from blofin_assets.ml.overfitting import deflated_sharpe
from blofin_assets.trading.ledger import Ledger

YEAR = pd.Timedelta(days=365.25)


def max_drawdown(curve: np.ndarray) -> float:
    return float(np.min(curve / np.maximum.accumulate(curve) - 1.0))


def _correlation(kind, signal: np.ndarray, forward: np.ndarray) -> float | None:
    if len(signal) < 3 or np.ptp(signal) == 0 or np.ptp(forward) == 0:
        return None
    return float(kind(signal, forward).statistic)


def daily_rank_ics(signal: np.ndarray, forward: np.ndarray, times) -> np.ndarray:
    """Spearman's correlation within each UTC day (days with a constant side left out),
    computed for all days at once: Pearson's of the ranks within the day."""
    frame = pd.DataFrame({"day": pd.DatetimeIndex(times).floor("D"), "s": signal, "f": forward})
    by_day = frame.groupby("day")
    frame["s"], frame["f"] = by_day["s"].rank(), by_day["f"].rank()
    means = frame.groupby("day")[["s", "f"]].transform("mean")
    centred = frame[["s", "f"]] - means
    sums = pd.DataFrame(
        {"sf": centred["s"] * centred["f"], "ss": centred["s"] ** 2, "ff": centred["f"] ** 2, "day": frame["day"]}
    ).groupby("day").sum()
    valid = (sums["ss"] > 0) & (sums["ff"] > 0) & (frame.groupby("day").size() >= 3)
    return (sums.loc[valid, "sf"] / np.sqrt(sums.loc[valid, "ss"] * sums.loc[valid, "ff"])).to_numpy()


def signal_quality(signal, forward_return, times) -> dict:
    """IC, rank IC and ICIR (daily rank ICs) of ``signal`` against ``forward_return``."""
    signal, forward = np.asarray(signal, dtype=np.float64), np.asarray(forward_return, dtype=np.float64)
    daily = daily_rank_ics(signal, forward, times)
    spread = daily.std(ddof=1) if len(daily) > 1 else 0.0
    return {
        "ic": _correlation(pearsonr, signal, forward),
        "rank_ic": _correlation(spearmanr, signal, forward),
        "icir": float(daily.mean() / spread) if spread > 0 else None,
        "days": int(len(daily)),
    }


def performance(ledger: Ledger, close, bar: pd.Timedelta) -> dict:
    """The portfolio figures of one ledger over closes ``close`` of bars of length ``bar``."""
    curve, returns = ledger.curve, ledger.returns
    close = np.asarray(close, dtype=np.float64)
    held_bars = len(ledger.equity) - 1
    years = held_bars * bar / YEAR
    std = returns.std(ddof=1) if len(returns) > 1 else 0.0
    exposure = np.abs(ledger.quantity[:-1] * close[:-1])
    in_market = exposure > 0
    trades = ledger.trades
    return {
        "total_return": float(curve[-1] - 1.0),
        "annual_return": float(curve[-1] ** (1.0 / years) - 1.0) if years > 0 and curve[-1] > 0 else None,
        "sharpe": float(returns.mean() / std * np.sqrt(YEAR / bar)) if std > 0 else None,
        "max_drawdown": max_drawdown(curve),
        "turnover_per_day": float(ledger.traded.sum() / curve.mean() / (years * 365.25)) if years > 0 else None,
        "exposure": float(in_market.mean()) if held_bars else 0.0,
        "average_leverage": float((exposure[in_market] / ledger.equity[:-1][in_market]).mean()) if in_market.any() else 0.0,
        "trades": len(trades),
        "hit_rate": float(np.mean([t["pnl"] > 0 for t in trades])) if trades else None,
        "fees": float(ledger.fees.sum()),
        "slippage": float(ledger.slippage.sum()),
        "funding": float(-ledger.funding.sum()),
        "bars": int(held_bars),
    }


def pooled_curve(curves: dict[str, pd.Series]) -> pd.Series:
    """Equal capital in every symbol: the mean of their equity curves (indexed by time, each
    starting at 1), each held at its last value after its end and at 1 before its start."""
    frame = pd.DataFrame(curves).sort_index().ffill().fillna(1.0)
    return frame.mean(axis=1)


def curve_figures(curve: pd.Series, bar: pd.Timedelta) -> dict:
    """Return, Sharpe and drawdown of an equity curve (the pooled portfolio's)."""
    values = curve.to_numpy(dtype=np.float64)
    returns = values[1:] / values[:-1] - 1.0
    years = (len(values) - 1) * bar / YEAR
    std = returns.std(ddof=1) if len(returns) > 1 else 0.0
    return {
        "total_return": float(values[-1] - 1.0),
        "annual_return": float(values[-1] ** (1.0 / years) - 1.0) if years > 0 and values[-1] > 0 else None,
        "sharpe": float(returns.mean() / std * np.sqrt(YEAR / bar)) if std > 0 else None,
        "max_drawdown": max_drawdown(values),
        "returns": returns,
    }


def deflated(returns, n_trials: int) -> dict:
    """The deflated Sharpe ratio of per-bar ``returns`` after ``n_trials`` tries, with the trials'
    Sharpe variance that of a zero-skill strategy over as many bars, 1 / (T - 1)."""
    returns = np.asarray(returns, dtype=np.float64)
    return deflated_sharpe(returns, max(1, n_trials), 1.0 / max(1, len(returns) - 1))
