"""Freshness policies: how old an asset may get before the UI shows it as stale (Dagster's
freshness daemon, part of `make ui`, evaluates them). Set for the default hourly bar and daily
retraining schedule; with other bars they still show the asset's age, against these windows."""

from datetime import timedelta

import dagster as dg

# Candles and the signals on them: a new bar every hour, fetched by the hourly schedule. Two
# bars late is a warning (one missed tick), three a failure.
HOURLY = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=3), warn_window=timedelta(hours=2))
# The models: retrained by the daily schedule. A day and an hour late is a warning, two days a
# failure (the schedule did not run, or its runs fail).
DAILY = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=49), warn_window=timedelta(hours=25))
