"""Candle sources behind one interface (base.CandleSource): the embedded synthetic market, a
folder of CSV files, and an exchange through ccxt (kept as CSV files); ``make_source`` picks
one from settings."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from blofin_assets.market.sources.base import CandleSource
from blofin_assets.market.sources.csv_folder import CsvFolderSource
from blofin_assets.market.sources.exchange import ExchangeSource
from blofin_assets.market.sources.synthetic import SyntheticSource
from blofin_assets.market.symbols import check_symbols
from blofin_assets.market.synthetic import DEFAULT_SYMBOLS, SyntheticMarket


def make_source(
    candles_dir: str | Path | None = None,
    symbols: list[str] | None = None,
    *,
    exchange: str | None = None,
    timeframe: str = "1h",
    history_days: float = 90,
    exchange_url: str | None = None,
    market: SyntheticMarket | None = None,
) -> CandleSource:
    """The exchange when ``exchange`` is set (its candles kept in ``candles_dir``), else the CSV
    files of ``candles_dir`` when set, else the synthetic ``market``; offering ``symbols``
    when given (default: every file, or the market's or the default symbols)."""
    if symbols:
        symbols = check_symbols(symbols, "candle source config")
    if exchange:
        if candles_dir is None:
            raise ValueError("an exchange source needs a folder to keep its candles in")
        return ExchangeSource(
            exchange, Path(candles_dir), tuple(symbols or DEFAULT_SYMBOLS), timeframe, history_days, exchange_url
        )
    if candles_dir:
        return CsvFolderSource(Path(candles_dir), tuple(symbols) if symbols else None)
    market = market or SyntheticMarket()
    return SyntheticSource(dataclasses.replace(market, symbols=tuple(symbols)) if symbols else market)


__all__ = ["CandleSource", "CsvFolderSource", "ExchangeSource", "SyntheticSource", "make_source"]
