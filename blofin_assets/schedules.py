"""The daily schedule. Its cron comes from $BLOFIN_DAILY_CRON (default 00:15 UTC every day).

Each tick first makes the symbol partitions the symbols the candle source offers (from the
environment, as the run's resources are), then asks for one run over all of them.
"""

import os

import dagster as dg

from blofin_assets.jobs import daily_refresh_job
from blofin_assets.resources import CandleSource
from blofin_assets.symbols import every_symbol

DAILY_CRON = os.environ.get("BLOFIN_DAILY_CRON", "15 0 * * *")


@dg.schedule(
    name="daily_refresh",
    job=daily_refresh_job,
    cron_schedule=DAILY_CRON,
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Daily: new candles, features, targets for every symbol, and the monitoring assets drift_sensor watches.",
)
def daily_refresh(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return dg.RunRequest(tags=every_symbol(context.instance, CandleSource()))
