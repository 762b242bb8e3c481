"""blofin_assets: an honest daily ML pipeline over OHLCV candles, built on Dagster assets."""

__version__ = "0.1.0"

from blofin_assets.settings import limit_malloc_arenas, share_cores

share_cores()  # before any model library loads its OpenMP runtime (see settings.share_cores)
limit_malloc_arenas()  # before the model libraries start their threads (see the function)
