"""What the signals would have earned: a bar-by-bar backtest with fees and no lookahead.

Timing: the signal computed at the close of candle t (from candles <= t) sets the position
held over candle t+1, from close[t] to close[t+1]. A position change pays ``fee`` (taker fee,
default 0.06%) per unit traded: entering or leaving a long costs one fee, flipping from long
to short two. Equity moves multiplicatively: each unit traded scales it by (1 - fee), a bar by
(1 + position * bar return), so the trades' returns compound exactly to the total. Any position still open after
the last bar is closed at the last close, paying its fee.

Reported per series: total return, annualised Sharpe (mean / std of per-bar returns times
sqrt(bars per year), crypto trading all year round), max drawdown, number of trades (entries),
hit rate (share of trades whose return after both fees is > 0), exposure (share of bars in
the market), and the same for buy-and-hold over the same bars.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from blofin_assets.ml.ensemble.predictor import EnsemblePredictor, direction_frame
from blofin_assets.ml.overfitting import deflated_sharpe

YEAR = pd.Timedelta(days=365.25)
RISK_COLUMN = "risk"  # the ensemble column the position rule filters on


@dataclass(frozen=True)
class SignalRule:
    """The original pipeline's rule: long when UP with confidence > 0.7 and risk < 50.

    Parameters
    ----------
    min_confidence : float
        Trade only when the signal's confidence is above this.
    max_risk : float
        ... and the risk is below this.
    allow_short : bool
        Go short on a confident DOWN too.
    """

    min_confidence: float = 0.7
    max_risk: float = 50.0
    allow_short: bool = False

    def positions(self, direction, confidence, risk) -> np.ndarray:
        direction = np.asarray(direction)
        ok = (np.asarray(confidence) > self.min_confidence) & (np.asarray(risk) < self.max_risk)
        long = ok & (direction == "UP")
        short = ok & (direction == "DOWN") & self.allow_short
        return long.astype(np.int64) - short.astype(np.int64)


def signal_to_trade(ensemble: EnsemblePredictor, rows: pd.DataFrame, signal: str) -> tuple[pd.DataFrame, np.ndarray, str]:
    """(direction and confidence per row, risk per row, label) of the ensemble's signal, or of
    one directional member's (``signal`` = its name)."""
    risky = [m for m in ensemble.members.values() if RISK_COLUMN in m.ensemble_columns]
    if not risky:
        raise ValueError(f"the position rule needs a member with a {RISK_COLUMN!r} column; members: {list(ensemble.members)}")
    risk = risky[0].ensemble_outputs(rows)[RISK_COLUMN].to_numpy()
    if signal == "ensemble":
        return ensemble.predict(rows), risk, f"ensemble ({ensemble.ensemble_type})"
    if signal not in ensemble.signal_members:
        raise ValueError(f"signal must be 'ensemble' or one of {list(ensemble.signal_members)}, got {signal!r}")
    p_up = ensemble.members[signal].ensemble_outputs(rows)[ensemble.signal_members[signal]].to_numpy()
    return direction_frame(p_up, rows.index), risk, signal


def _max_drawdown(equity: np.ndarray) -> float:
    curve = np.concatenate([[1.0], equity])
    return float(np.min(curve / np.maximum.accumulate(curve) - 1.0))


def run_backtest(close, positions, *, fee: float = 0.0006, bar: pd.Timedelta = pd.Timedelta("1h")) -> dict:
    """Backtest one series. ``positions[i]`` in {-1, 0, 1} is decided at ``close[i]``."""
    close = np.asarray(close, dtype=np.float64)
    positions = np.asarray(positions, dtype=np.int64)
    if len(close) != len(positions):
        raise ValueError(f"close has {len(close)} values but positions {len(positions)}")
    if len(close) < 2:
        raise ValueError("a backtest needs at least two closes")
    if not np.isin(positions, (-1, 0, 1)).all():
        raise ValueError("positions must be -1, 0 or 1")
    held = positions[:-1]  # held[j]: position over bar j -> j+1
    bar_return = close[1:] / close[:-1] - 1.0
    change = np.abs(np.diff(np.concatenate([[0], held])))
    factor = (1.0 - fee) ** change * (1.0 + held * bar_return)
    factor[-1] *= (1.0 - fee) ** abs(held[-1])  # close out after the last bar
    equity = np.cumprod(factor)
    net = factor - 1.0

    trades = []
    j = 0
    while j < len(held):
        if held[j] == 0:
            j += 1
            continue
        start, side = j, held[j]
        while j < len(held) and held[j] == side:
            j += 1
        growth = np.prod(1.0 + side * bar_return[start:j])
        trades.append((1.0 - fee) * growth * (1.0 - fee) - 1.0)

    std = net.std(ddof=1) if len(net) > 1 else 0.0
    per_year = YEAR / bar
    return {
        "total_return": float(equity[-1] - 1.0),
        "sharpe": float(net.mean() / std * np.sqrt(per_year)) if std > 0 else None,
        "max_drawdown": _max_drawdown(equity),
        "trades": len(trades),
        "hit_rate": float(np.mean(np.array(trades) > 0)) if trades else None,
        "exposure": float(np.mean(held != 0)),
        "bars": int(len(held)),
        "equity": equity.tolist(),
        "returns": net.tolist(),
    }


def backtest_symbols(
    rows: pd.DataFrame, signal: pd.DataFrame, risk: np.ndarray, rule: SignalRule, *, fee: float = 0.0006
) -> dict:
    """Backtest ``signal`` (direction, confidence per row of ``rows``) per symbol, beside
    buy-and-hold. ``rows`` needs symbol, timestamp and close, in time order per symbol."""
    positions = rule.positions(signal["direction"], signal["confidence"], risk)
    results = {}
    for symbol, group in rows.groupby("symbol", sort=True):
        mask = (rows["symbol"] == symbol).to_numpy()
        order = np.argsort(group["timestamp"].to_numpy(), kind="stable")
        close = group["close"].to_numpy()[order]
        bar = pd.Series(group["timestamp"].to_numpy()[order]).diff().median()
        strategy = run_backtest(close, positions[mask][order], fee=fee, bar=bar)
        hold = run_backtest(close, np.ones(len(close), dtype=np.int64), fee=fee, bar=bar)
        results[str(symbol)] = {
            "strategy": strategy,
            "buy_and_hold": hold,
            "start": group["timestamp"].min().isoformat(),
            "end": group["timestamp"].max().isoformat(),
        }
    return results


def summary_table(results: dict) -> pd.DataFrame:
    """One row per symbol and side (strategy, buy and hold), without the equity curves."""
    rows = []
    for symbol, result in results.items():
        for side in ("strategy", "buy_and_hold"):
            figures = {k: v for k, v in result[side].items() if k not in ("equity", "returns")}
            rows.append({"symbol": symbol, "side": side.replace("_", " "), **figures})
    return pd.DataFrame(rows)


def deflated_backtest(results: dict, n_trials: int) -> dict:
    """The deflated Sharpe ratio of the strategy's per-bar returns, per symbol and pooled, after
    ``n_trials`` tries (every hyperparameter trial recorded and the ensemble types compared).
    The trials' Sharpe variance is that of a zero-skill Sharpe ratio over the same bars,
    1 / (T - 1): the spread ``n_trials`` lucky tries would show."""
    per_symbol = {}
    pooled = []
    for symbol, result in results.items():
        returns = np.asarray(result["strategy"]["returns"])
        pooled.append(returns)
        per_symbol[symbol] = deflated_sharpe(returns, n_trials, 1.0 / max(1, len(returns) - 1))
    everything = np.concatenate(pooled)
    return {"n_trials": n_trials, "per_symbol": per_symbol, "pooled": deflated_sharpe(everything, n_trials, 1.0 / max(1, len(everything) - 1))}
