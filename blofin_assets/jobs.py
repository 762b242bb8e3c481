"""Jobs: the daily refresh (fresh candles and monitoring; no retraining)."""

import dagster as dg

from blofin_assets.assets.monitoring import MONITORING_ASSETS

daily_refresh_job = dg.define_asset_job(
    "daily_refresh_job",
    selection=dg.AssetSelection.assets("candles", "features", "targets", *MONITORING_ASSETS),
    description="Refresh candles, features and targets, score the current models and measure drift.",
)
