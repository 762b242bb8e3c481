"""blofin_assets: an honest daily ML pipeline over OHLCV candles, built on Dagster assets."""

__version__ = "0.1.0"

from blofin_assets.settings import share_cores

share_cores()  # before any model library loads its OpenMP runtime (see settings.share_cores)
