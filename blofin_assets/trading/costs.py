"""What a perpetual-swap position pays: a fee per side, slippage, and funding.

- **Fee**, per side on the traded notional: the taker rate (0.06%, BloFin's published rate for
  orders that take liquidity: a backtest trading at the close is a market order) unless
  ``maker`` is set (0.02%, for orders that rest on the book and are filled).
- **Slippage**, per unit of traded notional: ``slippage_bps`` / 10,000 (half the spread and the
  first levels of the book) plus ``slippage_atr_share`` times the symbol's average true range
  over its last 14 bars relative to the close (the ``atr`` feature): in a fast market the price
  moves further while an order fills. The range rather than the order's share of the bar's
  volume, because the backtest is in fractions of equity (no account size to set a share by)
  and volume is missing or in contracts on many feeds; the range is on every candle.
- **Funding**, at each settlement (every 8 hours on BloFin): a position pays ``rate`` times its
  notional at that moment; longs pay a positive rate and shorts receive it (a negative rate the
  other way round). A settlement belongs to the bar during which it falls: the position held
  from the close of candle t to the close of candle t+1 pays the settlements after the first
  close and up to the second, at the second close's price (on hourly bars settlements fall on
  a close, so the price is the one of that moment).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class CostModel:
    """Fees and slippage per unit of traded notional.

    Parameters
    ----------
    taker_fee : float
        Fee of an order that takes liquidity (a market order), per side.
    maker_fee : float
        Fee of an order that rests on the book and is filled, per side.
    maker : bool
        Trade with maker orders (their fills are not guaranteed: an optimistic setting).
    slippage_bps : float
        Fixed slippage in basis points of the traded notional.
    slippage_atr_share : float
        Slippage as a share of the bar's average true range over the close.
    """

    taker_fee: float = 0.0006
    maker_fee: float = 0.0002
    maker: bool = False
    slippage_bps: float = 1.0
    slippage_atr_share: float = 0.02

    @property
    def fee(self) -> float:
        return self.maker_fee if self.maker else self.taker_fee

    def slippage(self, atr_over_close) -> np.ndarray:
        """Slippage per unit of notional traded at each close, from the bar's ATR / close."""
        return self.slippage_bps / 1e4 + self.slippage_atr_share * np.asarray(atr_over_close, dtype=np.float64)

    def describe(self) -> str:
        side = f"maker {self.maker_fee:.3%}" if self.maker else f"taker {self.taker_fee:.3%}"
        return f"fee {side} per side, slippage {self.slippage_bps:g} bp + {self.slippage_atr_share:g} x ATR/close"


def funding_per_bar(close_times, settlements: pd.Series) -> np.ndarray:
    """The funding rates settling during each bar: entry i sums the rates of ``settlements``
    (indexed by settlement time) falling after ``close_times[i]`` and up to
    ``close_times[i + 1]`` (len(close_times) - 1 entries)."""
    close_times = pd.DatetimeIndex(close_times)
    per_bar = np.zeros(max(0, len(close_times) - 1))
    if len(settlements) == 0 or len(per_bar) == 0:
        return per_bar
    times = pd.DatetimeIndex(settlements.index)
    ends = close_times.searchsorted(times, side="left")  # the first close at or after the settlement
    inside = (ends >= 1) & (ends < len(close_times))
    np.add.at(per_bar, ends[inside] - 1, settlements.to_numpy(dtype=np.float64)[inside])
    return per_bar
