"""The schedules: daily_refresh (new candles and monitoring; cron $BLOFIN_DAILY_CRON, default
00:15 UTC) and hourly_predictions (new candles and the current models' signals; cron
$BLOFIN_HOURLY_CRON, default five past every hour), read when the definitions load.

Each tick first makes the symbol partitions the symbols the configured candle source offers,
then asks for one run over all of them.
"""

import dagster as dg

from blofin_assets import settings
from blofin_assets.defs.jobs import daily_refresh_job, hourly_predictions_job
from blofin_assets.defs.partitions import register_symbols
from blofin_assets.defs.resources import CandleSourceResource


def every_symbol_schedule(name: str, job, cron: str, description: str) -> dg.ScheduleDefinition:
    """A schedule whose every tick registers the source's symbols and runs ``job`` over all."""

    @dg.schedule(
        name=name,
        job=job,
        cron_schedule=cron,
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=description,
    )
    def _schedule(context: dg.ScheduleEvaluationContext, candle_source: CandleSourceResource) -> dg.RunRequest:
        return dg.RunRequest(tags=register_symbols(context.instance, candle_source.source()))

    return _schedule


def build_daily_refresh() -> dg.ScheduleDefinition:
    return every_symbol_schedule(
        "daily_refresh",
        daily_refresh_job,
        settings.daily_cron(),
        "Daily: new candles, features, targets for every symbol, and the monitoring assets drift_sensor watches.",
    )


def build_hourly_predictions() -> dg.ScheduleDefinition:
    return every_symbol_schedule(
        "hourly_predictions",
        hourly_predictions_job,
        settings.hourly_cron(),
        "Hourly: new candles and features, and every model's signal for each symbol's newest candle, recorded.",
    )
