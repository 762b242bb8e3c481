"""Jobs: the daily refresh (fresh candles and monitoring; no retraining)."""

import dagster as dg

daily_refresh_job = dg.define_asset_job(
    "daily_refresh_job",
    selection=dg.AssetSelection.assets("candles", "features", "targets", "training_table") | dg.AssetSelection.groups("monitoring"),
    description="Refresh candles, features, targets and the training table, score the current models and measure drift.",
)

# The outcomes too: a signal's outcome arrives the hour its horizon passes (the targets of the
# new candles), and the live figures move with it, not once a day.
hourly_predictions_job = dg.define_asset_job(
    "hourly_predictions_job",
    selection=dg.AssetSelection.assets("candles", "features", "targets", "training_table", "predictions", "prediction_outcomes"),
    description="New candles, then the current models' signals for each symbol's newest candle, recorded, and the recorded signals whose horizon has passed judged (no training).",
)
