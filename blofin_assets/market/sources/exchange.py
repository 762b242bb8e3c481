"""Candles from an exchange through ccxt (BloFin by default), kept as the CSV files the folder
source reads: one ``<SYMBOL>.csv`` per symbol in ccxt's OHLCV layout.

- History is fetched page by page (BloFin answers at most 100 candles a request), newest
  first, from the last closed candle back to ``history_days`` ago or the start of the
  symbol's history.
- Incremental: when a symbol's file exists, only candles after its newest one are fetched and
  appended; the file is replaced atomically.
- ccxt throttles requests to the exchange's rate limit; a rate-limit answer (HTTP 429), a
  timeout or a network error is retried with growing pauses, then reported with the symbol and
  what failed. An error answer from the exchange is reported at once.
ccxt is optional: ``pip install -e ".[blofin]"``. Symbols are the exchange's instrument ids
(BTC-USDT).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from blofin_assets.market.csv_files import read_candle_csv, write_candle_csv
from blofin_assets.market.funding import funding_path, read_funding_csv, validate_funding, write_funding_csv
from blofin_assets.market.schema import OHLCV_COLUMNS, validate_candles
from blofin_assets.market.sources.base import CandleSource
from blofin_assets.market.sources.csv_folder import CsvFolderSource

PAGE_LIMIT = 100
RETRIES = 4


class ExchangeFetchError(RuntimeError):
    """The exchange did not give the candles: names the exchange, symbol and what failed."""


def make_exchange(name: str = "blofin", api_url: str | None = None, timeout_ms: int = 10_000):
    try:
        import ccxt
    except ImportError as exc:
        raise ExchangeFetchError('exchange data needs ccxt: pip install -e ".[blofin]"') from exc
    if not hasattr(ccxt, name):
        raise ExchangeFetchError(f"ccxt has no exchange {name!r}")
    exchange = getattr(ccxt, name)({"enableRateLimit": True, "timeout": timeout_ms})
    if api_url:  # a mirror, a proxy, or a test server
        exchange.urls["api"] = {"rest": api_url.rstrip("/")}
    return exchange


def _call(exchange, what: str, call: Callable, sleep: Callable[[float], None] = time.sleep):
    import ccxt

    for attempt in range(RETRIES + 1):
        try:
            return call()
        except (ccxt.RateLimitExceeded, ccxt.DDoSProtection, ccxt.NetworkError) as exc:
            if attempt == RETRIES:
                kind = "timed out" if isinstance(exc, ccxt.RequestTimeout) else f"failed ({type(exc).__name__})"
                raise ExchangeFetchError(f"{exchange.id} {what}: {kind} {RETRIES + 1} times; last: {exc}") from exc
            sleep(min(2.0**attempt, 30.0))
        except ccxt.BaseError as exc:
            raise ExchangeFetchError(f"{exchange.id} {what}: the exchange answered an error: {exc}") from exc


def market_symbol(exchange, symbol: str) -> str:
    """ccxt's unified symbol (BTC/USDT:USDT) for an instrument id (BTC-USDT), or a clear error."""
    _call(exchange, "markets", exchange.load_markets)
    if symbol in exchange.markets_by_id:
        return exchange.markets_by_id[symbol][0]["symbol"]
    if symbol in exchange.markets:
        return symbol
    known = sorted(exchange.markets_by_id)[:20]
    raise ExchangeFetchError(f"{exchange.id}: unknown symbol {symbol!r}; instruments include {known}")


def fetch_candles(
    exchange, symbol: str, timeframe: str, since_ms: int, until_ms: int, *, sleep: Callable[[float], None] = time.sleep
) -> pd.DataFrame:
    """Candles of ``symbol`` opening in [since_ms, until_ms], all pages, ccxt layout (ms).

    Pages go backwards from ``until_ms`` (each asks for the candles before the oldest one seen),
    which is how BloFin's API pages and stops by itself where a symbol's history begins."""
    unified = market_symbol(exchange, symbol)
    rows: list[list] = []
    cursor = until_ms + 1  # BloFin's `after`: candles opening strictly before it
    while True:
        page = _call(
            exchange,
            f"{symbol} {timeframe} candles before {pd.Timestamp(cursor, unit='ms', tz='UTC')}",
            lambda: exchange.fetch_ohlcv(unified, timeframe, limit=PAGE_LIMIT, params={"until": cursor}),
            sleep,
        )
        page = [row for row in page if since_ms <= row[0] < cursor]
        if not page:
            break
        rows.extend(page)
        oldest = min(int(row[0]) for row in page)
        if oldest <= since_ms:
            break
        cursor = oldest
    frame = pd.DataFrame(rows, columns=list(OHLCV_COLUMNS))
    return frame.drop_duplicates("timestamp", keep="last").sort_values("timestamp").reset_index(drop=True)


def update_symbol(
    exchange,
    folder: str | Path,
    symbol: str,
    timeframe: str = "1h",
    history_days: float = 90,
    *,
    now_ms: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[int, int]:
    """Bring ``folder/<symbol>.csv`` up to the last closed candle. Returns (new, total) candles."""
    folder = Path(folder)
    path = folder / f"{symbol}.csv"
    bar_ms = int(exchange.parse_timeframe(timeframe) * 1000)
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    last_closed = (now_ms // bar_ms) * bar_ms - bar_ms  # the candle still forming is left out
    existing = read_candle_csv(path, symbol) if path.exists() else None
    if existing is not None:
        since = int(existing["timestamp"].max().timestamp() * 1000) + bar_ms
    else:
        since = (int(now_ms - history_days * 86_400_000) // bar_ms) * bar_ms
    new = fetch_candles(exchange, symbol, timeframe, since, last_closed, sleep=sleep)
    if new.empty:
        return 0, 0 if existing is None else len(existing)
    new.insert(0, "symbol", symbol)
    new["timestamp"] = pd.to_datetime(new["timestamp"], unit="ms", utc=True)
    frames = [new] if existing is None else [existing, new]
    merged = pd.concat(frames, ignore_index=True).drop_duplicates("timestamp", keep="last")
    merged = validate_candles(merged.sort_values("timestamp"), source=f"{exchange.id} {symbol}")
    write_candle_csv(merged, folder)
    return len(new), len(merged)


def fetch_funding(exchange, symbol: str, since_ms: int, until_ms: int, *, sleep: Callable[[float], None] = time.sleep) -> pd.DataFrame:
    """Funding settlements of ``symbol`` in [since_ms, until_ms] (timestamp in ms, rate), all
    pages: backwards from ``until_ms`` as candles are (BloFin answers at most 100 a request),
    until a page reaches back before ``since_ms`` or the history ends."""
    unified = market_symbol(exchange, symbol)
    rows: list[tuple[int, float]] = []
    cursor = until_ms + 1
    while True:
        answer = _call(
            exchange,
            f"{symbol} funding rates before {pd.Timestamp(cursor, unit='ms', tz='UTC')}",
            lambda: exchange.fetch_funding_rate_history(unified, limit=PAGE_LIMIT, params={"until": cursor}),
            sleep,
        )
        times = [int(r["timestamp"]) for r in answer]
        page = [(t, r["fundingRate"]) for t, r in zip(times, answer) if since_ms <= t < cursor]
        rows.extend(page)
        if not page or min(times) < since_ms:
            break
        cursor = min(t for t, _ in page)
    frame = pd.DataFrame(rows, columns=["timestamp", "rate"])
    return frame.drop_duplicates("timestamp", keep="last").sort_values("timestamp").reset_index(drop=True)


def update_funding(
    exchange,
    folder: str | Path,
    symbol: str,
    start_ms: int,
    *,
    now_ms: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[int, int]:
    """Bring ``folder/<symbol>.funding.csv`` up to now, from ``start_ms`` (the symbol's first
    candle) on the first fetch, else only the settlements after its newest one. Returns
    (new, total) settlements."""
    path = funding_path(folder, symbol)
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    existing = read_funding_csv(path, symbol) if path.exists() else None
    since = int(existing["timestamp"].max().timestamp() * 1000) + 1 if existing is not None else start_ms
    new = fetch_funding(exchange, symbol, since, now_ms, sleep=sleep)
    if new.empty:
        return 0, 0 if existing is None else len(existing)
    fetched = pd.DataFrame(
        {"symbol": symbol, "timestamp": pd.to_datetime(new["timestamp"], unit="ms", utc=True), "rate": pd.to_numeric(new["rate"], errors="coerce"), "source": f"{exchange.id} via ccxt"}
    )
    merged = pd.concat([f for f in (existing, fetched) if f is not None], ignore_index=True).drop_duplicates("timestamp", keep="last")
    write_funding_csv(validate_funding(merged, f"{exchange.id} {symbol} funding"), folder)
    return len(new), len(merged)


@dataclass(frozen=True)
class ExchangeSource(CandleSource):
    """Candles of an exchange, fetched into ``folder`` (only what is new) before each load.

    Parameters
    ----------
    exchange : str
        ccxt exchange id, e.g. ``blofin``.
    folder : Path
        Where the candles are kept, one ``<SYMBOL>.csv`` per symbol.
    symbols : tuple of str
        The instrument ids offered (BTC-USDT, ...).
    timeframe : str
        Bar size in ccxt's notation (1m, 15m, 1h, 4h, 1d, ...).
    history_days : float
        How far back the first fetch of a symbol goes.
    api_url : str, optional
        REST base URL instead of ccxt's (a mirror, a proxy, a test server).
    """

    exchange: str
    folder: Path
    symbols: tuple[str, ...]
    timeframe: str = "1h"
    history_days: float = 90
    api_url: str | None = None

    def offered_symbols(self) -> list[str]:
        return list(self.symbols)

    def refresh(self, symbols: list[str]) -> dict[str, tuple[int, int]]:
        """Fetch each symbol's new candles into the folder; (new, total) per symbol."""
        client = make_exchange(self.exchange, self.api_url)
        return {s: update_symbol(client, self.folder, s, self.timeframe, self.history_days) for s in symbols}

    def load(self, symbols: list[str]) -> pd.DataFrame:
        self.refresh(symbols)
        return CsvFolderSource(self.folder).load(symbols)

    def refresh_funding(self, candles: pd.DataFrame) -> dict[str, tuple[int, int]]:
        """Fetch each symbol's new funding settlements into ``<SYMBOL>.funding.csv``, from its
        first candle on; (new, total) per symbol, none where the exchange keeps no history."""
        client = make_exchange(self.exchange, self.api_url)
        if not client.has.get("fetchFundingRateHistory"):
            return {}
        return {
            str(symbol): update_funding(client, self.folder, str(symbol), int(rows["timestamp"].min().timestamp() * 1000))
            for symbol, rows in candles.groupby("symbol", sort=True)
        }

    def load_funding(self, candles: pd.DataFrame) -> pd.DataFrame:
        """Each symbol's funding history, fetched first (only what is new), over the candles'
        span; a symbol without any gives rate 0, said."""
        self.refresh_funding(candles)
        funding = CsvFolderSource(self.folder).load_funding(candles)
        fetched = funding["source"].str.startswith("CSV ")
        funding.loc[fetched, "source"] = f"{self.exchange} via ccxt"
        return funding

    def describe(self) -> str:
        return f"{self.exchange} via ccxt ({self.timeframe}), kept in {self.folder}"
