"""Funding rates of perpetual swaps: per symbol, each settlement's time and rate.

A perpetual has no expiry; its price is held to the index by funding: at each settlement (every
8 hours on BloFin: 00:00, 08:00 and 16:00 UTC) longs pay shorts ``rate`` times their position's
notional (shorts pay longs when the rate is negative). A rate is a fraction per settlement:
0.0001 is 0.01%, the usual resting rate.

A funding frame has columns ``symbol, timestamp, rate, source``, one row per settlement,
timestamps UTC and strictly increasing per symbol. On disk, ``<SYMBOL>.funding.csv`` beside the
symbol's candles holds ``timestamp,rate`` (timestamps as the candle files take them: epoch
numbers of any unit, or ISO-8601). A symbol without funding data gets rate 0 at every
settlement of its candles' span, with ``source`` saying so: an assumption stated, not hidden.
"""

from __future__ import annotations

import os
import uuid
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from blofin_assets.market.csv_files import parse_timestamps
from blofin_assets.market.schema import CandleDataError

FUNDING_COLUMNS = ("symbol", "timestamp", "rate", "source")
SUFFIX = ".funding.csv"
SETTLEMENT = pd.Timedelta("8h")
# Larger than any cap an exchange puts on one settlement (BloFin's are a few tenths of a
# percent, 2-3% on the most volatile coins); a larger number is a unit error (a percentage).
MAX_ABS_RATE = 0.05
ASSUMED = "no funding data: rate 0 assumed"


def funding_path(folder: str | Path, symbol: str) -> Path:
    return Path(folder) / f"{symbol}{SUFFIX}"


def is_funding_file(path: Path) -> bool:
    return path.name.lower().endswith(SUFFIX)


def validate_funding(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """``frame`` (symbol, timestamp, rate, source) sorted by time per symbol, or
    CandleDataError naming the source, symbol, row and the rule it breaks."""
    for symbol, group in frame.groupby("symbol", sort=True):
        rates = group["rate"].to_numpy(dtype=np.float64)
        for rule, bad in (
            ("the rate is NaN or infinite", ~np.isfinite(rates)),
            (f"|rate| above {MAX_ABS_RATE:g} per settlement (rates are fractions: 0.0001 = 0.01%)", np.abs(np.nan_to_num(rates)) > MAX_ABS_RATE),
            ("a settlement time appears twice", group["timestamp"].duplicated().to_numpy()),
        ):
            if bad.any():
                row = int(np.flatnonzero(bad)[0])
                raise CandleDataError(
                    f"{source}: symbol {symbol}, row {row} (timestamp {group['timestamp'].iloc[row]}, rate "
                    f"{float(group['rate'].iloc[row]):g}): {rule}; {int(bad.sum())} row(s) in all"
                )
    return frame.sort_values(["symbol", "timestamp"], kind="stable").reset_index(drop=True)


def read_funding_csv(path: str | Path, symbol: str) -> pd.DataFrame:
    """The funding rates in ``path`` (columns timestamp, rate), validated."""
    path = Path(path)
    try:
        raw = pd.read_csv(path)
    except pd.errors.EmptyDataError as exc:
        raise CandleDataError(f"{path}: the file is empty") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        raise CandleDataError(f"{path}: unreadable CSV ({exc})") from exc
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    missing = [c for c in ("timestamp", "rate") if c not in raw.columns]
    if missing:
        raise CandleDataError(f"{path}: missing column(s) {missing}; found {list(raw.columns)}; expected ['timestamp', 'rate']")
    if raw.empty:
        raise CandleDataError(f"{path}: header only, no funding rates")
    rates = pd.to_numeric(raw["rate"], errors="coerce")
    bad = rates.isna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        written = "empty" if pd.isna(raw["rate"].iloc[row]) else repr(raw["rate"].iloc[row])
        raise CandleDataError(f"{path}: symbol {symbol}, row {row}: rate {written} is not a number")
    timestamps, _ = parse_timestamps(raw["timestamp"], str(path))
    frame = pd.DataFrame({"symbol": symbol, "timestamp": timestamps, "rate": rates.astype("float64"), "source": f"CSV {path.name}"})
    return validate_funding(frame, str(path))


def write_funding_csv(frame: pd.DataFrame, folder: str | Path) -> list[Path]:
    """One ``<SYMBOL>.funding.csv`` per symbol (timestamp in ms, rate), each replaced atomically."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for symbol, group in frame.groupby("symbol"):
        out = pd.DataFrame({"timestamp": group["timestamp"].astype("datetime64[ms, UTC]").astype("int64").to_numpy(), "rate": group["rate"].to_numpy()})
        path = funding_path(folder, str(symbol))
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        out.to_csv(tmp, index=False)
        os.replace(tmp, path)
        written.append(path)
    return written


def settlement_times(start: pd.Timestamp, end: pd.Timestamp, every: pd.Timedelta = SETTLEMENT) -> pd.DatetimeIndex:
    """The settlements from ``start`` to ``end`` (inclusive) on the UTC grid of ``every``."""
    first = start.ceil(every)
    return pd.date_range(first, end, freq=every) if first <= end else pd.DatetimeIndex([], tz="UTC")


def span_of(candles: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """From a symbol's first candle's open to its last candle's close (one bar past its open)."""
    times = candles["timestamp"].sort_values()
    bar = times.diff().median() if len(times) > 1 else pd.Timedelta("1h")
    return times.iloc[0], times.iloc[-1] + bar


def covering_settlements(candles: pd.DataFrame) -> pd.DatetimeIndex:
    """The settlements over the span of ``candles``, or the first one after it when none falls
    inside (a span shorter than 8 hours): every symbol has at least one row."""
    start, end = span_of(candles)
    return settlement_times(start, max(end, start.ceil(SETTLEMENT)))


def assumed_zero(symbol: str, candles: pd.DataFrame) -> pd.DataFrame:
    """Rate 0 at every settlement over the span of ``candles``, said to be an assumption."""
    return pd.DataFrame({"symbol": symbol, "timestamp": covering_settlements(candles), "rate": 0.0, "source": ASSUMED})


def synthetic_funding(symbol: str, candles: pd.DataFrame, seed: int) -> pd.DataFrame:
    """A plausible 8-hourly series for the synthetic market: the resting 0.01% plus a premium
    that follows the last 8 hours' move (perpetuals trade above the index when the market
    rises, so longs pay more), plus noise, capped at +-0.375% as exchanges cap it.
    Deterministic for the candles and seed."""
    frame = candles.sort_values("timestamp")
    close = pd.Series(frame["close"].to_numpy(dtype=np.float64), index=pd.DatetimeIndex(frame["timestamp"]))
    bar = span_of(frame)[1] - frame["timestamp"].max()
    times = covering_settlements(frame)
    # the last close known at each settlement (of the candle that opened a bar before), and
    # the one 8 hours before
    now = close.asof(times - bar)
    before = close.asof(times - SETTLEMENT - bar)
    move = np.log(now.to_numpy() / before.to_numpy())
    rng = np.random.default_rng([seed, zlib.crc32(symbol.encode()), 8])  # crc32: str hashes are salted
    rate = 0.0001 + 0.01 * np.nan_to_num(move) + rng.normal(0.0, 0.00005, len(times))
    return pd.DataFrame({"symbol": symbol, "timestamp": times, "rate": np.clip(rate, -0.00375, 0.00375), "source": "synthetic"})
