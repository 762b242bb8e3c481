"""The daily schedule: what it runs, when, and that each tick registers the source's symbols."""

import dagster as dg
import pytest

from blofin_assets.definitions import RESOURCES, build_definitions, defs
from blofin_assets.defs.partitions import SYMBOL_PARTITIONS, all_symbols_tags, sync_symbols
from blofin_assets.market.csv_files import write_candle_csv
from blofin_assets.market.synthetic import SyntheticMarket


def test_daily_refresh_refreshes_data_and_monitoring_and_never_retrains():
    schedule = defs.resolve_schedule_def("daily_refresh")
    assert schedule.cron_schedule == "15 0 * * *" and schedule.execution_timezone == "UTC"
    job = defs.resolve_job_def("daily_refresh_job")
    selected = {key.to_user_string() for key in job.asset_layer.selected_asset_keys}
    assert selected == {
        "candles", "features", "targets", "training_table", "model_performance", "performance_history", "feature_drift", "drift_decisions", "prediction_outcomes"
    }


def test_hourly_predictions_refresh_candles_and_record_signals_without_training():
    schedule = defs.resolve_schedule_def("hourly_predictions")
    assert schedule.cron_schedule == "5 * * * *" and schedule.execution_timezone == "UTC"
    job = defs.resolve_job_def("hourly_predictions_job")
    selected = {key.to_user_string() for key in job.asset_layer.selected_asset_keys}
    assert selected == {"candles", "features", "targets", "training_table", "predictions", "prediction_outcomes"}


def test_each_daily_tick_registers_the_sources_symbols_and_runs_them_all(tmp_path, monkeypatch):
    market = SyntheticMarket(symbols=("XRP-USDT", "DOGE-USDT"), candles_per_symbol=30).generate()
    write_candle_csv(market, tmp_path / "csv")
    monkeypatch.setenv("BLOFIN_CANDLES_DIR", str(tmp_path / "csv"))
    with dg.instance_for_test() as instance:
        sync_symbols(instance, ["BTC-USDT"])  # a symbol the source no longer has
        # Closed after use: the context enters its own instance, which must not outlive the test.
        with dg.build_schedule_context(instance=instance, resources=RESOURCES) as context:
            tick = defs.resolve_schedule_def("daily_refresh").evaluate_tick(context)
        (request,) = tick.run_requests
        assert instance.get_dynamic_partitions(SYMBOL_PARTITIONS.name) == ["DOGE-USDT", "XRP-USDT"]
        assert all_symbols_tags(instance).items() <= request.tags.items()
        assert set(all_symbols_tags(instance).values()) == {"DOGE-USDT", "XRP-USDT"}


def test_the_schedule_cron_and_sensor_interval_are_read_when_the_definitions_load(monkeypatch):
    monkeypatch.setenv("BLOFIN_DAILY_CRON", "30 6 * * 1-5")
    monkeypatch.setenv("BLOFIN_HOURLY_CRON", "0 * * * *")
    monkeypatch.setenv("BLOFIN_SENSOR_INTERVAL", "15")
    built = build_definitions(dg.in_process_executor)
    assert built.resolve_schedule_def("daily_refresh").cron_schedule == "30 6 * * 1-5"
    assert built.resolve_schedule_def("hourly_predictions").cron_schedule == "0 * * * *"
    assert built.resolve_sensor_def("drift_sensor").minimum_interval_seconds == 15
    monkeypatch.setenv("BLOFIN_SENSOR_INTERVAL", "soon")
    with pytest.raises(ValueError, match="BLOFIN_SENSOR_INTERVAL must be a whole number of seconds, got 'soon'"):
        build_definitions(dg.in_process_executor)
