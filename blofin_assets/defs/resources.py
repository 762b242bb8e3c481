"""Resources: the outside world the assets touch (candle source, model store, results database).

Each reads its default from the environment at run time (see settings.py), and each can be set
in run config, e.g.::

    resources:
      candle_source: {config: {candles_per_symbol: 10000, symbols: [BTC-USDT]}}
"""

import math
from typing import TYPE_CHECKING, ClassVar, Optional

import dagster as dg
from pydantic import model_validator

from blofin_assets import settings
from blofin_assets.storage.errors import brief
from blofin_assets.market.sources import CandleSource, make_source
from blofin_assets.market.synthetic import SyntheticMarket
from blofin_assets.storage.results import ResultsDB

if TYPE_CHECKING:  # imported where a store is made: it brings scikit-learn (2 s), which `blofin symbols` does without
    from blofin_assets.storage.model_store import ModelStore


class CandleSourceResource(dg.ConfigurableResource):
    """Candles from an exchange when ``exchange`` is set (fetched into CSV files first), else CSV
    files from ``candles_dir`` (or $BLOFIN_CANDLES_DIR) when set, else the embedded
    deterministic synthetic market. Each run loads the symbols of its partitions."""

    candles_dir: Optional[str] = None
    symbols: Optional[list[str]] = None
    """The symbols offered (the partitions `blofin symbols` registers); default: every CSV file
    in candles_dir, else BTC-USDT, ETH-USDT and SOL-USDT."""
    exchange: Optional[str] = None
    """ccxt exchange id, e.g. blofin: each run first fetches the candles newer than the CSV files
    hold (pip install -e ".[blofin]")."""
    timeframe: str = "1h"
    """Exchange candles' bar size, in ccxt's notation (1m, 15m, 1h, 4h, 1d, ...)."""
    history_days: float = 90
    """Exchange candles: how far back the first fetch of a symbol goes."""
    exchange_url: Optional[str] = None
    """Exchange REST base URL instead of ccxt's (a mirror, a proxy, a test server)."""
    candles_per_symbol: int = SyntheticMarket.candles_per_symbol
    bar: str = SyntheticMarket.bar
    seed: int = SyntheticMarket.seed
    shift_at: Optional[str] = None
    """Synthetic data only: from this time on, volatility is multiplied by shift_volatility
    (a regime change, for the drift demo and tests)."""
    shift_volatility: float = SyntheticMarket.shift_volatility
    regime_changes: bool = SyntheticMarket.regime_changes
    """Synthetic data only: false keeps one calm regime throughout (a stationary control)."""
    planted_momentum: float = SyntheticMarket.planted_momentum
    """Synthetic data only: an autocorrelation added to every regime's, turned into mean
    reversion from shift_at on (a learnable signal that then turns: for tests and demos)."""
    end: Optional[str] = None
    """Synthetic data only: where its history ends: now (the last bar closed before the clock,
    so every bar brings a new candle, as an exchange does), fixed (the first candles_per_symbol
    bars from 2024-01-01, the same whenever it runs) or a time; default $BLOFIN_SYNTHETIC_END,
    else now."""

    # Settings that scale work: each bounded, so a typo (1e9) fails here, naming the setting,
    # instead of as a 7 GiB allocation.
    bounds: ClassVar[dict] = {"candles_per_symbol": (1, 1_000_000), "history_days": (0.01, 3650.0), "shift_volatility": (0.01, 100.0), "planted_momentum": (-0.8, 0.8)}

    @model_validator(mode="after")
    def _within_bounds(self):
        for name, (low, high) in type(self).bounds.items():
            value = getattr(self, name)
            if not math.isfinite(value) or not low <= value <= high:
                raise ValueError(f"candle_source: setting {name} = {value!r} must be a finite number >= {low:g} and <= {high:g}")
        if self.end is not None:
            settings.synthetic_end(self.end)  # a typo fails here, naming the setting
        return self

    @classmethod
    def from_run_config(cls, run_config: dict | None) -> "CandleSourceResource":
        """The candle source a run with this run config would use."""
        config = (((run_config or {}).get("resources") or {}).get("candle_source") or {}).get("config") or {}
        return cls(**config)

    def source(self) -> CandleSource:
        """The configured source (read at call time, so a run sees its own environment)."""
        market = SyntheticMarket(
            candles_per_symbol=self.candles_per_symbol,
            bar=self.bar,
            seed=self.seed,
            shift_at=self.shift_at,
            shift_volatility=self.shift_volatility,
            regime_changes=self.regime_changes,
            planted_momentum=self.planted_momentum,
            end=settings.synthetic_end(self.end),
        )
        folder = self.candles_dir or (settings.exchange_candles_dir() if self.exchange else settings.candles_dir())
        return make_source(
            folder,
            self.symbols,
            exchange=self.exchange,
            timeframe=self.timeframe,
            history_days=self.history_days,
            exchange_url=self.exchange_url,
            market=market,
        )


def has_password(url: str) -> bool:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return bool(make_url(url).password)
    except ArgumentError:  # not a URL SQLAlchemy reads: anything before an @ may be a secret
        return "@" in url


class ModelStoreResource(dg.ConfigurableResource):
    """Model folders under ``models_dir`` (or $BLOFIN_MODELS_DIR, default ./models)."""

    models_dir: Optional[str] = None

    def get(self) -> "ModelStore":
        from blofin_assets.storage.model_store import ModelStore

        return ModelStore(self.models_dir or settings.models_dir())


class ResultsDatabase(dg.ConfigurableResource):
    """The results tables at ``url`` (or $BLOFIN_DB_URL, default SQLite in DAGSTER_HOME)."""

    url: Optional[str] = None

    @model_validator(mode="after")
    def _no_secret(self):
        # Run config is stored with the run and shown by the UI: a password there would be
        # kept in clear. Secrets come from the environment only.
        if self.url and has_password(self.url):
            raise ValueError(
                f"results_db: url {settings.masked(self.url)} holds a password, and run config is stored with the run "
                "and shown in the UI: give the URL in the BLOFIN_DB_URL environment variable instead"
            )
        return self

    def get(self) -> ResultsDB:
        return ResultsDB(self.url or settings.db_url())

    def check_writable(self) -> None:
        """Fail now, with the (masked) URL, if results could not be written: steps that train
        call this first, so a database that is down costs seconds, not a training run."""
        url = self.url or settings.db_url()
        try:
            db = ResultsDB(url)
            try:
                db.check_writable()
            finally:
                db.dispose()
        except Exception as error:
            raise dg.Failure(
                description=f"the results database {settings.masked(url)} cannot be written ({brief(error)}); "
                "nothing was trained. Start it, or set BLOFIN_DB_URL"
            ) from error

