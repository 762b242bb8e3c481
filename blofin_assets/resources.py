"""Resources: the outside world the assets touch (candle source, model store, results database).

Each reads its default from the environment at run time (see settings.py), and each can be set
in run config, e.g.::

    resources:
      candle_source: {config: {candles_per_symbol: 10000, symbols: [BTC-USDT]}}
"""

from typing import Optional

import dagster as dg
import pandas as pd

from blofin_assets import settings
from blofin_assets.market.csv_source import read_candles_dir
from blofin_assets.market.schema import validate_candles
from blofin_assets.market.synthetic import DEFAULT_SYMBOLS, SyntheticMarket
from blofin_assets.ml.store import ModelStore
from blofin_assets.storage.results import ResultsDB


class CandleSource(dg.ConfigurableResource):
    """CSV files from ``candles_dir`` (or $BLOFIN_CANDLES_DIR) when set, else the embedded
    deterministic synthetic market."""

    candles_dir: Optional[str] = None
    symbols: Optional[list[str]] = None
    candles_per_symbol: int = 3000
    bar: str = "1h"
    seed: int = 7

    def describe(self) -> str:
        folder = self.candles_dir or settings.candles_dir()
        if folder:
            return f"CSV files in {folder}"
        return f"synthetic (seed {self.seed}, {self.candles_per_symbol} x {self.bar} candles per symbol)"

    def load(self) -> pd.DataFrame:
        folder = self.candles_dir or settings.candles_dir()
        if folder:
            return read_candles_dir(folder, self.symbols)
        market = SyntheticMarket(
            symbols=tuple(self.symbols or DEFAULT_SYMBOLS),
            candles_per_symbol=self.candles_per_symbol,
            bar=self.bar,
            seed=self.seed,
        )
        return validate_candles(market.generate(), source="synthetic market")


class ModelStoreResource(dg.ConfigurableResource):
    """Model folders under ``models_dir`` (or $BLOFIN_MODELS_DIR, default ./models)."""

    models_dir: Optional[str] = None

    def get(self) -> ModelStore:
        return ModelStore(self.models_dir or settings.models_dir())


class ResultsDatabase(dg.ConfigurableResource):
    """The ml_model_results table at ``url`` (or $BLOFIN_DB_URL, default SQLite in DAGSTER_HOME)."""

    url: Optional[str] = None

    def get(self) -> ResultsDB:
        return ResultsDB(self.url or settings.db_url())
