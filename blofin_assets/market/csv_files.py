"""One symbol's candles as a CSV file, in the ccxt OHLCV layout
``timestamp,open,high,low,close,volume`` (file stem = symbol). Timestamps are milliseconds since the epoch
(UTC) or ISO-8601 text. Any bar size works; it is inferred per symbol."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

from blofin_assets.market.schema import OHLCV_COLUMNS, CandleDataError, validate_candles

# Milliseconds since the epoch for 1973-03-03 and 2286-11-20: outside, the unit is wrong.
_MS_MIN, _MS_MAX = 1e11, 1e13


def _parse_timestamps(raw: pd.Series, source: str) -> pd.Series:
    numeric = pd.to_numeric(raw, errors="coerce")
    if numeric.notna().all():
        low, high = float(numeric.min()), float(numeric.max())
        if high < _MS_MIN:
            raise CandleDataError(
                f"{source}: timestamps look like seconds since the epoch (largest {high:.0f}); "
                "expected milliseconds: multiply by 1000"
            )
        if low > _MS_MAX:
            raise CandleDataError(
                f"{source}: timestamps look like micro- or nanoseconds since the epoch (smallest {low:.0f}); "
                "expected milliseconds"
            )
        return pd.to_datetime(numeric.astype("int64"), unit="ms", utc=True)
    try:
        return pd.to_datetime(raw, utc=True, format="ISO8601")
    except (ValueError, TypeError) as exc:
        bad = next((i for i, v in enumerate(raw) if pd.isna(pd.to_datetime(v, utc=True, errors="coerce"))), 0)
        raise CandleDataError(
            f"{source}: row {bad}: timestamp {raw.iloc[bad]!r} is neither milliseconds nor ISO-8601 text"
        ) from exc


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
    missing = [c for c in OHLCV_COLUMNS if c not in raw.columns]
    if missing:
        raise CandleDataError(
            f"{source}: missing column(s) {missing}; found {list(raw.columns)}; "
            f"expected {list(OHLCV_COLUMNS)}"
        )
    if raw.empty:
        raise CandleDataError(f"{source}: header only, no candles")
    frame = pd.DataFrame({"symbol": symbol, "timestamp": _parse_timestamps(raw["timestamp"], source)})
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
    return validate_candles(frame, source=source)


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
