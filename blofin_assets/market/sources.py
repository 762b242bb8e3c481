"""Where candles come from, outside of Dagster: a folder of CSV files (optionally kept up to date
from an exchange), else the embedded market."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from blofin_assets.market.csv_source import list_candle_files, read_candles_dir
from blofin_assets.market.schema import CandleDataError, validate_candles
from blofin_assets.market.synthetic import SyntheticMarket


def load_candles(
    candles_dir: str | Path | None = None, symbols: list[str] | None = None, market: SyntheticMarket | None = None
) -> pd.DataFrame:
    """Validated candles: from ``candles_dir`` when given, else from ``market`` (default: the
    embedded synthetic market), restricted to ``symbols`` when given."""
    if candles_dir:
        return read_candles_dir(candles_dir, symbols)
    market = market or SyntheticMarket()
    if symbols:
        market = dataclasses.replace(market, symbols=tuple(symbols))
    return validate_candles(market.generate(), source="synthetic market")


def offered_symbols(
    candles_dir: str | Path | None = None, symbols: list[str] | None = None, market: SyntheticMarket | None = None
) -> list[str]:
    """The symbols a source offers: ``symbols`` when given (checked against the folder), else
    every CSV file's stem in ``candles_dir``, else the market's symbols."""
    if candles_dir:
        available = list_candle_files(candles_dir)
        if symbols:
            unknown = [s for s in symbols if s not in available]
            if unknown:
                raise CandleDataError(f"{candles_dir}: unknown symbol(s) {unknown}; available: {available}")
            return list(symbols)
        return available
    return list(symbols or (market or SyntheticMarket()).symbols)


def describe_source(candles_dir: str | Path | None, market: SyntheticMarket | None = None) -> str:
    if candles_dir:
        return f"CSV files in {candles_dir}"
    market = market or SyntheticMarket()
    return f"synthetic (seed {market.seed}, {market.candles_per_symbol} x {market.bar} candles per symbol)"


def refresh_from_exchange(
    folder: str | Path,
    symbols: list[str],
    exchange: str = "blofin",
    timeframe: str = "1h",
    history_days: float = 90,
    api_url: str | None = None,
) -> dict[str, tuple[int, int]]:
    """Fetch each symbol's new candles into ``folder``; (new, total) per symbol."""
    from blofin_assets.market.exchange import make_exchange, update_symbol

    client = make_exchange(exchange, api_url)
    return {s: update_symbol(client, folder, s, timeframe, history_days) for s in symbols}
