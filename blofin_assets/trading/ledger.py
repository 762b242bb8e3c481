"""The ledger of one symbol: what a sized position earned and paid, bar by bar.

Timing: the target size decided at the close of candle i (from candles <= i) is traded at that
close's price and held until the close of candle i+1; at the last close everything is closed.
Equity starts at 1. When the target changes, the position is set to target x equity / close
(in units of the coin) and the change pays ``fee`` and the close's ``slippage`` on the traded
notional; while the target stays, the quantity stays (no rebalancing as the price moves, as an
account holding contracts). Over the bar the position earns quantity x (close[i+1] - close[i])
and pays quantity x close[i+1] x the funding rates settled during the bar (costs.py).

Trades are the runs of one side: from leaving flat (or a flip) to going flat (or the next
flip). A flip's costs are split between the trade it closes and the one it opens by their
notionals; a resize within one side belongs to its trade. A trade's P&L includes its price
moves, funding and costs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Ledger:
    """Per close (n entries): ``quantity`` held after trading there, ``traded`` notional, ``fees``
    and ``slippage`` paid, ``equity`` after trading. Per bar (n - 1): ``pnl`` of the price move
    and ``funding`` paid (negative) or received. ``trades``: one record per trade."""

    quantity: np.ndarray
    traded: np.ndarray
    fees: np.ndarray
    slippage: np.ndarray
    pnl: np.ndarray
    funding: np.ndarray
    equity: np.ndarray
    trades: list[dict]

    @property
    def curve(self) -> np.ndarray:
        """Equity from the start (1.0) through each close: n + 1 values."""
        return np.concatenate([[1.0], self.equity])

    @property
    def returns(self) -> np.ndarray:
        """Per-step returns of the curve: the first is the cost of the first trade."""
        curve = self.curve
        return curve[1:] / curve[:-1] - 1.0


def run_ledger(close, target, *, fee: float, slippage, funding) -> Ledger:
    """The ledger of target sizes ``target`` (multiples of equity; the last is ignored, the
    position being closed at the last close) over closes ``close``; ``slippage`` per unit of
    notional at each close; ``funding`` the rates settled during each bar (n - 1)."""
    close = np.asarray(close, dtype=np.float64)
    n = len(close)
    target = np.array(target, dtype=np.float64)
    slippage = np.broadcast_to(np.asarray(slippage, dtype=np.float64), (n,))
    funding = np.asarray(funding, dtype=np.float64)
    if len(target) != n or len(funding) != max(0, n - 1):
        raise ValueError(f"{n} closes need {n} targets and {n - 1} funding entries, got {len(target)} and {len(funding)}")
    if n < 2:
        raise ValueError("a ledger needs at least two closes")
    if not (np.isfinite(close).all() and (close > 0).all() and np.isfinite(target).all()):
        raise ValueError("closes must be positive and targets finite")
    target[-1] = 0.0
    # Per unit of quantity held over bar i: the funding it pays at close i+1.
    carry = close[1:] * funding
    carried = np.concatenate([[0.0], np.cumsum(carry)])

    set_to, fees, slips, traded = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    changes = np.flatnonzero(np.diff(np.concatenate([[0.0], target])) != 0)
    trades: list[dict] = []
    equity, quantity, since = 1.0, 0.0, 0
    for i in changes:
        # what the position earned and paid since it was last set, from prefix sums
        equity += quantity * (close[i] - close[since]) - quantity * (carried[i] - carried[since])
        new = target[i] * equity / close[i]
        rate = fee + slippage[i]
        closing = abs(quantity) if quantity and (new == 0 or np.sign(new) != np.sign(quantity)) else 0.0
        opening = abs(new) if new and (quantity == 0 or np.sign(new) != np.sign(quantity)) else 0.0
        resized = abs(new - quantity) - closing - opening  # within one side, zero otherwise
        traded[i] = abs(new - quantity) * close[i]
        fees[i], slips[i] = traded[i] * fee, traded[i] * slippage[i]
        equity -= fees[i] + slips[i]
        if closing:
            trades[-1]["costs"] += closing * close[i] * rate
            trades[-1]["exit"] = int(i)
        if resized:
            trades[-1]["costs"] += resized * close[i] * rate
        if opening:
            trades.append({"side": "long" if new > 0 else "short", "entry": int(i), "exit": None, "costs": opening * close[i] * rate})
        set_to[i], quantity, since = new, new, i
    # the quantity held after each close: the one set last at or before it
    last_set = np.full(n, -1)
    last_set[changes] = changes
    last_set = np.maximum.accumulate(last_set)
    quantity_at = np.where(last_set >= 0, set_to[np.maximum(last_set, 0)], 0.0)
    pnl = quantity_at[:-1] * np.diff(close)
    paid = -quantity_at[:-1] * carry
    equity_curve = 1.0 + np.concatenate([[0.0], np.cumsum(pnl + paid)]) - np.cumsum(fees + slips)
    for trade in trades:
        bars = slice(trade["entry"], trade["exit"])
        trade["pnl"] = float(pnl[bars].sum() + paid[bars].sum() - trade["costs"])
        trade["funding"] = float(paid[bars].sum())
    return Ledger(quantity_at, traded, fees, slips, pnl, paid, equity_curve, trades)
