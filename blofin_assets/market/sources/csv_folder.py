"""A folder of CSV files as a candle source: one ``<SYMBOL>.csv`` per symbol (see csv_files.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from blofin_assets.market.csv_files import read_candle_csv
from blofin_assets.market.funding import assumed_zero, funding_path, is_funding_file, read_funding_csv
from blofin_assets.market.schema import CandleDataError
from blofin_assets.market.symbols import check_symbol
from blofin_assets.market.sources.base import CandleSource


def candle_files(folder: str | Path) -> dict[str, Path]:
    """Symbol -> file for every ``*.csv`` (any case: ``.CSV`` too) in ``folder``, sorted by
    symbol. A file name that is not a valid symbol, or a CSV name that is not a regular file
    (a FIFO would block the read forever, a folder cannot be read), is refused by name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CandleDataError(f"{folder}: not a folder (BLOFIN_CANDLES_DIR must name a folder of CSV files)")
    files = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() != ".csv" or is_funding_file(path):
            continue  # not a candle file (an atomic write's temporary ends in .tmp; funding rates)
        if not path.is_file():
            raise CandleDataError(f"{path}: not a regular file; a candle file must be a plain CSV file")
        symbol = check_symbol(path.stem, str(path))
        if symbol in files:
            raise CandleDataError(f"{folder}: two files for symbol {symbol}: {files[symbol].name} and {path.name}")
        files[symbol] = path
    if not files:
        raise CandleDataError(f"{folder}: no *.csv files")
    return files


@dataclass(frozen=True)
class CsvFolderSource(CandleSource):
    """Candles from the CSV files in ``folder``.

    Parameters
    ----------
    folder : Path
        Folder of ``<SYMBOL>.csv`` files in ccxt's OHLCV layout.
    symbols : tuple of str, optional
        The symbols offered; default every file in the folder. Each must have a file.
    """

    folder: Path
    symbols: tuple[str, ...] | None = None

    def offered_symbols(self) -> list[str]:
        available = list(candle_files(self.folder))
        if not self.symbols:
            return available
        unknown = [s for s in self.symbols if s not in available]
        if unknown:
            raise CandleDataError(f"{self.folder}: unknown symbol(s) {unknown}; available: {available}")
        return list(self.symbols)

    def load(self, symbols: list[str]) -> pd.DataFrame:
        files = candle_files(self.folder)
        if symbols:
            unknown = [s for s in symbols if s not in files]
            if unknown:
                raise CandleDataError(f"{self.folder}: unknown symbol(s) {unknown}; available: {sorted(files)}")
            files = {s: files[s] for s in symbols}
        frames = [read_candle_csv(p, s) for s, p in files.items()]
        candles = pd.concat(frames, ignore_index=True)
        for key in ("timestamps", "volume_filled"):  # what reading found, per symbol
            candles.attrs[key] = {s: v for f in frames for s, v in f.attrs.get(key, {}).items()}
        return candles

    def load_funding(self, candles: pd.DataFrame) -> pd.DataFrame:
        """Each symbol's ``<SYMBOL>.funding.csv`` beside its candles, or rate 0 assumed (said)."""
        parts = []
        for symbol, rows in candles.groupby("symbol", sort=True):
            path = funding_path(self.folder, str(symbol))
            parts.append(read_funding_csv(path, str(symbol)) if path.is_file() else assumed_zero(str(symbol), rows))
        return pd.concat(parts, ignore_index=True)

    def describe(self) -> str:
        return f"CSV files in {self.folder}"
