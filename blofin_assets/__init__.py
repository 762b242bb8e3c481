"""blofin_assets: an honest daily ML pipeline over OHLCV candles, built on Dagster assets."""

__version__ = "0.1.0"
