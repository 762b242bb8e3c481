"""The one interface every candle source offers the pipeline."""

from __future__ import annotations

from abc import ABC, abstractmethod

import pandas as pd

from blofin_assets.market.funding import assumed_zero


class CandleSource(ABC):
    """Where candles come from: the symbols on offer and their validated candles.

    Every source returns frames in the schema of ``market.schema`` (``symbol, timestamp, open,
    high, low, close, volume``, validated), so nothing downstream knows which source it was.
    """

    @abstractmethod
    def offered_symbols(self) -> list[str]:
        """The symbols this source has candles for (the pipeline's symbol partitions)."""

    @abstractmethod
    def load(self, symbols: list[str]) -> pd.DataFrame:
        """Validated candles of ``symbols``."""

    @abstractmethod
    def describe(self) -> str:
        """One line saying where the candles come from, for logs and error messages."""

    def load_funding(self, candles: pd.DataFrame) -> pd.DataFrame:
        """Funding rates (market/funding.py) over the span of each symbol's ``candles``; a
        source without funding data says so: rate 0 assumed, in the ``source`` column."""
        return pd.concat([assumed_zero(str(s), rows) for s, rows in candles.groupby("symbol", sort=True)], ignore_index=True)
