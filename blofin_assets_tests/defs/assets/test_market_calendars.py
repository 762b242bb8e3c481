"""Real-market shapes through the whole graph with the default settings: hourly FX that closes
every weekend and reports no volume, and daily stock bars with holiday weekends."""

import dagster as dg
import pandas as pd
import pytest

from blofin_assets.market.csv_files import write_candle_csv
from blofin_assets_tests.conftest import materialize_every_symbol, project_resources, quick_ops
from blofin_assets_tests.market.test_calendar import drop, fx_hours, series, stock_days


def test_fx_and_stock_candles_run_end_to_end_with_the_defaults(tmp_path):
    hours = drop(fx_hours("2023-09-04", "2024-01-29"), "2023-12-24T22:00", "2023-12-25T22:00")  # Christmas Monday
    days = drop(drop(stock_days("2021-06-01", "2024-01-01"), "2023-04-07", "2023-04-08"), "2023-05-29", "2023-05-30")
    stock = series(days, "SPY", seed=1).assign(volume=1e6)
    write_candle_csv(pd.concat([series(hours, "EUR-USD"), stock]), tmp_path / "csv")
    config = {
        "resources": {"candle_source": {"config": {"candles_dir": str(tmp_path / "csv")}}},
        "ops": quick_ops(),
    }
    result = materialize_every_symbol(dg.DagsterInstance.ephemeral(), config, resources=project_resources(tmp_path))
    assert result.success
    checks = {e.check_name: e for e in result.get_asset_check_evaluations() if e.asset_key == dg.AssetKey("candles")}
    assert checks["no_gaps"].passed and checks["enough_candles"].passed
    metadata = {e.asset_key.to_user_string(): e.materialization.metadata for e in result.get_asset_materialization_events()}
    calendars = metadata["candles"]["calendars"].value
    assert "| EUR-USD | closed Fri 22:00 - Sun 22:00 UTC, and holidays |" in calendars
    assert "| SPY | closed Sat 00:00 - Mon 00:00 UTC, and holidays |" in calendars
    assert "| EUR-USD | 2" in metadata["candles"]["symbols"].value and "| 1h |" in metadata["candles"]["symbols"].value
    # FX without volume: every row kept, its volume ratio the neutral 1
    assert metadata["features"]["rows_dropped"].value == 2 * 100  # the warm-up of each symbol, nothing more
    assert metadata["features"]["rows_with_neutral_values"].value["volume_ratio"] >= len(hours) - 100


def test_an_unknown_calendar_is_refused_naming_the_choices(tmp_path):
    config = {
        "resources": {"candle_source": {"config": {"candles_per_symbol": 500}}},
        "ops": {"candles": {"config": {"calendar": "nyse"}}},
    }
    with pytest.raises(Exception, match="CandlesConfig: setting calendar = 'nyse' must be one of auto, 24/7, weekdays"):
        materialize_every_symbol(
            dg.DagsterInstance.ephemeral(), config, resources=project_resources(tmp_path), selection=["candles"]
        )
