"""The daily schedule. Its cron comes from $BLOFIN_DAILY_CRON (default 00:15 UTC every day)."""

import os

import dagster as dg

from blofin_assets.jobs import daily_refresh_job

DAILY_CRON = os.environ.get("BLOFIN_DAILY_CRON", "15 0 * * *")

daily_refresh = dg.ScheduleDefinition(
    name="daily_refresh",
    job=daily_refresh_job,
    cron_schedule=DAILY_CRON,
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Daily: new candles, features, targets, and the monitoring assets drift_sensor watches.",
)
