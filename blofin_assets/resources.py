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
from blofin_assets.market.sources import describe_source, load_candles
from blofin_assets.market.synthetic import DEFAULT_SYMBOLS, SyntheticMarket
from blofin_assets.ml.store import ModelStore
from blofin_assets.storage.results import ResultsDB


class CandleSource(dg.ConfigurableResource):
    """CSV files from ``candles_dir`` (or $BLOFIN_CANDLES_DIR) when set, else the embedded
    deterministic synthetic market."""

    candles_dir: Optional[str] = None
    symbols: Optional[list[str]] = None
    candles_per_symbol: int = SyntheticMarket.candles_per_symbol
    bar: str = SyntheticMarket.bar
    seed: int = SyntheticMarket.seed
    shift_at: Optional[str] = None
    """Synthetic data only: from this time on, volatility is multiplied by shift_volatility
    (a regime change, for the drift demo and tests)."""
    shift_volatility: float = SyntheticMarket.shift_volatility
    regime_changes: bool = SyntheticMarket.regime_changes
    """Synthetic data only: false keeps one calm regime throughout (a stationary control)."""

    def _market(self) -> SyntheticMarket:
        return SyntheticMarket(
            symbols=tuple(self.symbols or DEFAULT_SYMBOLS),
            candles_per_symbol=self.candles_per_symbol,
            bar=self.bar,
            seed=self.seed,
            shift_at=self.shift_at,
            shift_volatility=self.shift_volatility,
            regime_changes=self.regime_changes,
        )

    def describe(self) -> str:
        return describe_source(self.candles_dir or settings.candles_dir(), self._market())

    def load(self) -> pd.DataFrame:
        return load_candles(self.candles_dir or settings.candles_dir(), self.symbols, self._market())


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
