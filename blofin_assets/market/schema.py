"""The candle schema every source produces, and the checks that keep bad candles out.

A candle frame has one row per (symbol, timestamp) with columns
``symbol, timestamp, open, high, low, close, volume``; timestamps are tz-aware UTC and
strictly increasing within each symbol.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from blofin_assets.market.calendar import DEFAULT_HOLIDAYS, MarketCalendar, recognise_calendar

PRICE_COLUMNS = ("open", "high", "low", "close")
# Wider than any traded price (sub-satoshi tokens ~1e-8, BTC ~1e5), narrow enough that prices
# off by a unit or an exponent are refused rather than crashing a model or training on them.
MIN_PRICE, MAX_PRICE = 1e-12, 1e12
REGULAR_RUN = 20  # consecutive equal steps that make a bar size
MAX_BAR_JUMP = 100.0  # a close 100x (or 1/100) the bar before is a data error, not a market move
OHLCV_COLUMNS = ("timestamp", *PRICE_COLUMNS, "volume")
CANDLE_COLUMNS = ("symbol", *OHLCV_COLUMNS)


class CandleDataError(ValueError):
    """Candles that break a rule of the schema. The message names source, symbol, row and rule."""


def _where(source: str, symbol: str, frame: pd.DataFrame, mask: np.ndarray) -> str:
    first = int(np.flatnonzero(mask)[0])
    row = frame.iloc[first]
    ts = row["timestamp"]
    return f"{source}: symbol {symbol}, row {first} (timestamp {ts}), {int(mask.sum())} row(s) in all"


def validate_candles(candles: pd.DataFrame, source: str = "candles") -> pd.DataFrame:
    """Check ``candles`` against the schema and return it sorted by (symbol, timestamp).

    Raises CandleDataError for missing columns, non-numeric or non-finite values, non-positive
    prices, inconsistent OHLC, negative volume, and duplicate or out-of-order timestamps.
    Nothing is repaired silently: a source that needs sorting must sort before it calls this.
    """
    missing = [c for c in CANDLE_COLUMNS if c not in candles.columns]
    if missing:
        raise CandleDataError(
            f"{source}: missing column(s) {missing}; expected {list(CANDLE_COLUMNS)}"
        )
    if candles.empty:
        raise CandleDataError(f"{source}: no candles")
    frame = candles.loc[:, list(CANDLE_COLUMNS)].reset_index(drop=True)
    if not isinstance(frame["timestamp"].dtype, pd.DatetimeTZDtype):
        raise CandleDataError(f"{source}: column 'timestamp' must be tz-aware datetimes (UTC)")
    for column in (*PRICE_COLUMNS, "volume"):
        if not pd.api.types.is_numeric_dtype(frame[column]):
            raise CandleDataError(f"{source}: column '{column}' is not numeric")
        frame[column] = frame[column].astype("float64")

    for symbol, group in frame.groupby("symbol", sort=True):
        _validate_symbol(group.reset_index(drop=True), str(symbol), source)
    frame["symbol"] = frame["symbol"].astype(str)
    return frame.sort_values(["symbol", "timestamp"], kind="stable").reset_index(drop=True)


def _validate_symbol(group: pd.DataFrame, symbol: str, source: str) -> None:
    values = group[list(PRICE_COLUMNS) + ["volume"]].to_numpy()
    bad = ~np.isfinite(values).all(axis=1)
    if bad.any():
        raise CandleDataError(f"{_where(source, symbol, group, bad)}: NaN or infinite value")
    prices = group[list(PRICE_COLUMNS)].to_numpy()
    bad = (prices <= 0).any(axis=1)
    if bad.any():
        raise CandleDataError(f"{_where(source, symbol, group, bad)}: price <= 0")
    bad = ((prices < MIN_PRICE) | (prices > MAX_PRICE)).any(axis=1)
    if bad.any():
        raise CandleDataError(
            f"{_where(source, symbol, group, bad)}: price outside [{MIN_PRICE:g}, {MAX_PRICE:g}], no market's price "
            "(a unit or a decimal point wrong?)"
        )
    o, h, l, c = prices.T
    bad = h < l
    if bad.any():
        raise CandleDataError(f"{_where(source, symbol, group, bad)}: high < low")
    bad = (o < l) | (o > h) | (c < l) | (c > h)
    if bad.any():
        raise CandleDataError(
            f"{_where(source, symbol, group, bad)}: open/close outside [low, high]"
        )
    jump = np.abs(np.diff(np.log(prices[:, 3])))
    bad = np.concatenate([[False], jump > np.log(MAX_BAR_JUMP)])
    if bad.any():
        raise CandleDataError(
            f"{_where(source, symbol, group, bad)}: close moves by more than {MAX_BAR_JUMP:g}x from the bar before "
            "(prices in another unit from this row on?)"
        )
    bad = group["volume"].to_numpy() < 0
    if bad.any():
        raise CandleDataError(f"{_where(source, symbol, group, bad)}: negative volume")
    step = group["timestamp"].diff().dt.total_seconds().to_numpy()[1:]
    bad = np.concatenate([[False], step == 0])
    if bad.any():
        raise CandleDataError(f"{_where(source, symbol, group, bad)}: duplicate timestamp")
    bad = np.concatenate([[False], step < 0])
    if bad.any():
        raise CandleDataError(
            f"{_where(source, symbol, group, bad)}: timestamps out of order (earlier than the row before)"
        )
    # A series whose candles come at one regular step, then at another (1h bars, then 1m), is
    # two series in one: refused at the first row of the second step.
    starts = np.concatenate([[0], np.flatnonzero(np.diff(step) != 0) + 1])
    lengths = np.diff(np.concatenate([starts, [len(step)]]))
    runs = [(float(step[a]), int(a)) for a, n in zip(starts, lengths) if n >= REGULAR_RUN]
    other = next((a for value, a in runs if value != runs[0][0]), None)
    if other is not None:
        bad = np.zeros(len(group), dtype=bool)
        bad[other + 1] = True
        raise CandleDataError(
            f"{_where(source, symbol, group, bad)}: candles every {pd.Timedelta(seconds=runs[0][0])} until here, every "
            f"{pd.Timedelta(seconds=step[other])} from here: bar sizes mixed in one series"
        )


def infer_bar(timestamps: pd.Series) -> pd.Timedelta:
    """The bar size of one symbol's series: the most common step between candles."""
    steps = pd.Series(timestamps).diff().dropna()
    if steps.empty:
        raise CandleDataError("cannot infer the bar size from fewer than two candles")
    return pd.Timedelta(steps.mode().iloc[0])


BAR_UNITS = (("w", pd.Timedelta(weeks=1)), ("d", pd.Timedelta(days=1)), ("h", pd.Timedelta(hours=1)), ("m", pd.Timedelta(minutes=1)), ("s", pd.Timedelta(seconds=1)))


def bar_label(bar: pd.Timedelta) -> str:
    """A bar size as traders write it: 1h, 15m, 4h, 1d, 1w (pandas prints "0 days 01:00:00")."""
    for unit, size in BAR_UNITS:
        if bar >= size and bar % size == pd.Timedelta(0):
            return f"{bar // size}{unit}"
    return str(bar)


def market_calendars(candles: pd.DataFrame, setting: str = "auto", holidays=DEFAULT_HOLIDAYS) -> dict[str, MarketCalendar]:
    """Each symbol's market calendar (see market/calendar.py): named by ``setting``, or
    recognised from its own candles."""
    return {
        str(symbol): recognise_calendar(group["timestamp"], infer_bar(group["timestamp"]), setting, holidays)
        for symbol, group in candles.groupby("symbol", sort=True)
        if len(group) >= 2
    }


def find_gaps(candles: pd.DataFrame, tolerance_bars: float = 3.0, calendars: dict[str, MarketCalendar] | None = None) -> list[dict]:
    """Places where a symbol's series skips more than ``tolerance_bars`` bars (its own bar size)
    of trading time: bars its market calendar explains (weekly closures, holidays) do not count.
    Each: symbol, the candle before the gap, the one after, how many bars are missing and how
    many of them fall in trading time."""
    gaps = []
    for symbol, group in candles.groupby("symbol", sort=True):
        timestamps = group["timestamp"].reset_index(drop=True)
        if len(timestamps) < 2:
            continue
        calendar = (calendars or {}).get(str(symbol)) or MarketCalendar(infer_bar(timestamps))
        bar = calendar.bar  # inferred once, when the calendar was made
        steps = timestamps.diff().iloc[1:]
        for i in np.flatnonzero((steps > bar * 1.5).to_numpy()):  # a hole: at least one bar missing
            before, after = timestamps.iloc[i], timestamps.iloc[i + 1]
            missing = pd.date_range(before + bar, after - bar, freq=bar)
            unexplained = calendar.unexplained(missing)
            if len(unexplained) + 1 > tolerance_bars:
                gaps.append(
                    {
                        "symbol": str(symbol),
                        "after": before.isoformat(),
                        "before": after.isoformat(),
                        "missing_bars": len(missing),
                        "in_trading_time": len(unexplained),
                    }
                )
    return gaps


def short_symbols(candles: pd.DataFrame, min_candles: int) -> dict[str, int]:
    """Symbols with fewer than ``min_candles`` candles, and how many they have."""
    counts = candles.groupby("symbol").size()
    return {str(s): int(n) for s, n in counts[counts < min_candles].items()}
