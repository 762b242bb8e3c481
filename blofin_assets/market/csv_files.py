"""One symbol's candles as a CSV file, in the ccxt OHLCV layout
``timestamp,open,high,low,close,volume`` (file stem = symbol). Timestamps are numbers since the epoch
(seconds, milliseconds, microseconds or nanoseconds: the unit is detected) or ISO-8601 text.
Any bar size works; it is inferred per symbol."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

from blofin_assets.market.schema import OHLCV_COLUMNS, CandleDataError, validate_candles

# Candles before 2000 or after tomorrow are not market data this pipeline can use: the range in
# which a number's unit is told. Units are 1000x apart and the range spans ~1.9x, so at most one
# unit fits a series; a series no unit fits is refused, naming the unit it comes closest to.
EARLIEST = pd.Timestamp("2000-01-01", tz="UTC")
EPOCH_UNITS = {"s": "seconds", "ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds"}
_PER_SECOND = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}


def latest_plausible() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=1)


def epoch_unit(low: float, high: float, source: str) -> str:
    """The unit (s, ms, us, ns) in which epoch numbers from ``low`` to ``high`` fall between
    2000 and tomorrow; CandleDataError when none does."""
    bounds = (EARLIEST.timestamp(), latest_plausible().timestamp())
    for unit, per_second in _PER_SECOND.items():
        if bounds[0] * per_second <= low and high <= bounds[1] * per_second:
            return unit
    # The unit whose plausible range is nearest, on a log scale, to the series' middle.
    middle = np.log10(max(abs(low) + abs(high), 1.0) / 2)
    nearest = min(_PER_SECOND, key=lambda u: abs(np.log10(np.sqrt(bounds[0] * bounds[1]) * _PER_SECOND[u]) - middle))
    first, last = (pd.Timestamp(v / _PER_SECOND[nearest], unit="s", tz="UTC") for v in (low, high))
    raise CandleDataError(
        f"{source}: numeric timestamps from {low:.0f} to {high:.0f} look like {EPOCH_UNITS[nearest]} since the "
        f"epoch, but as {EPOCH_UNITS[nearest]} they run from {first:%Y-%m-%d} to {last:%Y-%m-%d}: candles must "
        f"fall between {EARLIEST:%Y-%m-%d} and tomorrow (a mixed or shifted column?)"
    )


def parse_timestamps(raw: pd.Series, source: str) -> tuple[pd.Series, str]:
    """Timestamps as UTC datetimes, and how they were written ("epoch s", "epoch ms", "epoch us",
    "epoch ns" or "ISO-8601"): epoch numbers in the unit that puts them between 2000 and
    tomorrow, or ISO-8601 text (a zone offset is honoured; text without one is taken as UTC)."""
    numeric = pd.to_numeric(raw, errors="coerce")
    if numeric.notna().all():
        unit = epoch_unit(float(numeric.min()), float(numeric.max()), source)
        return pd.to_datetime(numeric.astype("int64"), unit=unit, utc=True), f"epoch {unit}"
    try:
        parsed = pd.to_datetime(raw, utc=True, format="ISO8601")
    except (ValueError, TypeError) as exc:
        bad = next((i for i, v in enumerate(raw) if pd.isna(pd.to_datetime(v, utc=True, errors="coerce"))), 0)
        raise CandleDataError(
            f"{source}: row {bad}: timestamp {raw.iloc[bad]!r} is neither a number since the epoch nor ISO-8601 text"
        ) from exc
    if parsed.min() < EARLIEST or parsed.max() > latest_plausible():
        raise CandleDataError(
            f"{source}: timestamps run from {parsed.min():%Y-%m-%d} to {parsed.max():%Y-%m-%d}; candles must fall "
            f"between {EARLIEST:%Y-%m-%d} and tomorrow"
        )
    return parsed, "ISO-8601"


def read_candle_csv(path: str | Path, symbol: str | None = None) -> pd.DataFrame:
    path = Path(path)
    symbol = symbol or path.stem
    source = str(path)
    try:
        raw = pd.read_csv(path)
    except pd.errors.EmptyDataError as exc:
        raise CandleDataError(f"{source}: the file is empty") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        raise CandleDataError(f"{source}: unreadable CSV ({exc})") from exc
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    # Feeds without volume (FX, some indices) leave the column out or its cells empty: volume 0,
    # which the volume features turn into their neutral value (market/features.py).
    missing = [c for c in OHLCV_COLUMNS if c != "volume" and c not in raw.columns]
    if missing:
        raise CandleDataError(
            f"{source}: missing column(s) {missing}; found {list(raw.columns)}; "
            f"expected {list(OHLCV_COLUMNS)}"
        )
    if "volume" not in raw.columns:
        raw["volume"] = np.nan
    if raw.empty:
        raise CandleDataError(f"{source}: header only, no candles")
    timestamps, written_as = parse_timestamps(raw["timestamp"], source)
    frame = pd.DataFrame({"symbol": symbol, "timestamp": timestamps})
    no_volume = int(raw["volume"].isna().sum())
    raw["volume"] = raw["volume"].fillna(0.0)
    for column in OHLCV_COLUMNS[1:]:
        values = pd.to_numeric(raw[column], errors="coerce")
        bad = values.isna() & raw[column].notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise CandleDataError(
                f"{source}: symbol {symbol}, row {row}: column '{column}' has non-numeric value "
                f"{raw[column].iloc[row]!r}"
            )
        frame[column] = values.astype("float64")
    frame = validate_candles(frame, source=source)
    frame.attrs["timestamps"] = {symbol: written_as}  # what was detected, for the asset's metadata
    frame.attrs["volume_filled"] = {symbol: no_volume} if no_volume else {}
    return frame


def write_candle_csv(candles: pd.DataFrame, folder: str | Path) -> list[Path]:
    """Write one ccxt-layout CSV per symbol (timestamp in ms); the inverse of CsvFolderSource.load.
    Each file is replaced atomically: a reader sees the old file or the new one."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for symbol, group in candles.groupby("symbol"):
        out = group.loc[:, list(OHLCV_COLUMNS)].copy()
        out["timestamp"] = (out["timestamp"].astype("datetime64[ms, UTC]").astype("int64")).to_numpy()
        path = folder / f"{symbol}.csv"
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        out.to_csv(tmp, index=False)
        os.replace(tmp, path)
        written.append(path)
    return written
