"""Jobs: the daily refresh (fresh candles and monitoring; no retraining)."""

import dagster as dg

daily_refresh_job = dg.define_asset_job(
    "daily_refresh_job",
    selection=dg.AssetSelection.assets("candles", "features", "targets", "training_table") | dg.AssetSelection.groups("monitoring"),
    description="Refresh candles, features, targets and the training table, score the current models and measure drift.",
)

hourly_predictions_job = dg.define_asset_job(
    "hourly_predictions_job",
    selection=dg.AssetSelection.assets("candles", "features", "predictions"),
    description="New candles and features, then the current models' signals for each symbol's newest candle (no training).",
)
