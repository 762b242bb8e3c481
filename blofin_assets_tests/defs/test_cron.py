"""Cron strings read as cron reads them: checked by hand and against Dagster's own iterator
(the one its daemon uses, private to Dagster, so only the test reads it)."""

import pandas as pd
import pytest
from dagster._utils.schedules import cron_string_iterator

from blofin_assets.defs.cron import Cron

START = pd.Timestamp("2026-03-01T13:30Z")  # a Sunday


def test_the_hourly_and_daily_defaults_fall_where_expected():
    assert Cron("5 * * * *").due(START, START + pd.Timedelta(hours=3)) == [pd.Timestamp(f"2026-03-01T{h}:05Z") for h in (14, 15, 16)]
    assert Cron("15 0 * * *").due(START, START + pd.Timedelta(days=2)) == [pd.Timestamp("2026-03-02T00:15Z"), pd.Timestamp("2026-03-03T00:15Z")]
    assert Cron("0 12 * * *").due(pd.Timestamp("2026-03-01T12:00Z"), pd.Timestamp("2026-03-01T12:00Z")) == []  # after start only


@pytest.mark.parametrize(
    "cron",
    ["5 * * * *", "15 0 * * *", "30 6 * * 1-5", "*/20 9-10 * * *", "0 0 1 * 1", "0 */6 * * 0,6", "45 23 28-31 2 *", "10/25 * * * 7", "0 3 1,15 * *"],
)
def test_every_due_time_over_sixty_days_is_dagsters(cron):
    end = START + pd.Timedelta(days=60)
    reference = []
    for when in cron_string_iterator(START.timestamp(), cron, "UTC"):
        when = pd.Timestamp(when).tz_convert("UTC")
        if when > end:
            break
        if when > START:
            reference.append(when)
    assert Cron(cron).due(START, end) == reference


@pytest.mark.parametrize("cron", ["61 * * * *", "5 * * *", "0 0 * * MON", "*/0 * * * *", "5-2 * * * *"])
def test_a_cron_it_cannot_read_is_refused_naming_it(cron):
    with pytest.raises(ValueError, match="cron"):
        Cron(cron)
