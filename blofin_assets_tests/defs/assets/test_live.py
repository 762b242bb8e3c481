"""The live loop on a real Dagster instance: hourly signals recorded once, judged when their
horizon has passed, replayed against the backtest, and read by drift_decisions."""

import dagster as dg
import pandas as pd
import pytest

from blofin_assets.definitions import defs
from blofin_assets.defs.partitions import all_symbols_tags
from blofin_assets.ml.models import model_names
from blofin_assets.storage.ensemble_store import EnsembleStore
from blofin_assets.storage.model_store import ModelStore
from blofin_assets.storage.predictions import read_predictions, record_predictions
from blofin_assets.storage.results import ResultsDB
from blofin_assets_tests.conftest import materialize_every_symbol, project_resources, quick_ops, run_daily_refresh

SYMBOLS = ["BTC-USDT", "ETH-USDT"]
BASE = 700


def source(candles: int) -> dict:
    return {"resources": {"candle_source": {"config": {"candles_per_symbol": candles, "symbols": SYMBOLS}}}}


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    root = tmp_path_factory.mktemp("live")
    resources = project_resources(root)
    with dg.instance_for_test() as instance:
        trained = materialize_every_symbol(instance, {**source(BASE), "ops": quick_ops()}, resources=resources)
        hourly = defs.resolve_job_def("hourly_predictions_job")
        runs = [
            hourly.execute_in_process(instance=instance, resources=resources, run_config=source(n), tags=all_symbols_tags(instance))
            for n in range(BASE + 1, BASE + 13)
        ]
        repeat = hourly.execute_in_process(instance=instance, resources=resources, run_config=source(BASE + 12), tags=all_symbols_tags(instance))
        daily = run_daily_refresh(instance, source(BASE + 12), resources)
        yield {"root": root, "instance": instance, "resources": resources, "trained": trained, "runs": runs, "repeat": repeat, "daily": daily}


def recorded(loop) -> pd.DataFrame:
    db = ResultsDB(f"sqlite:///{loop['root'] / 'results.db'}")
    try:
        return read_predictions(db)
    finally:
        db.dispose()


def metadata(result, asset: str) -> dict:
    (event,) = [e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == asset]
    return event.materialization.metadata


def test_each_hour_records_every_model_and_the_ensemble_once_per_symbol_and_candle(loop):
    frame = recorded(loop)
    assert all(run.success for run in loop["runs"])
    # The training run's hour and twelve hourly runs, two symbols, five models and the ensemble.
    assert len(frame) == 13 * 2 * (len(model_names()) + 1)
    assert frame.groupby(["symbol", "timestamp", "model", "version"]).size().max() == 1
    assert set(frame["model"]) == {*model_names(), "ensemble"}
    store = ModelStore(loop["root"] / "models")
    assert set(frame.loc[frame["model"] == "ensemble", "version"]) == {EnsembleStore(store).version()}
    # Running the same hour again records nothing new.
    assert metadata(loop["repeat"], "predictions")["new_rows"].value == 0


def test_outcomes_are_judged_once_the_horizon_has_passed(loop):
    judged = loop["daily"].output_for_node("prediction_outcomes")
    assert set(judged) == {*model_names(), "ensemble"}
    # 13 candles recorded per symbol; the newest 5 (the horizon) have no outcome yet.
    for name, result in judged.items():
        assert result["n"] == 2 * (13 - 5) and result["pending"] == 2 * 5, name
        assert result["live"] is not None and result["baseline"] is not None and result["validation"] is not None
    assert 0.0 <= judged["ensemble"]["live"] <= 1.0 and "estimate" in judged["ensemble"]
    assert "estimate" in judged["direction_predictor"] and "estimate" not in judged["risk_scorer"]
    plotted = metadata(loop["daily"], "prediction_outcomes")
    assert "live/ensemble/accuracy" in plotted and "live/risk_scorer/mae" in plotted


def test_the_live_signals_equal_the_backtests_for_the_same_candles(loop):
    (check,) = [e for e in loop["daily"].get_asset_check_evaluations() if e.check_name == "live_backtest_parity"]
    assert check.passed, check.description


def test_a_live_record_that_dropped_asks_for_retraining_and_says_so(loop):
    """Plant a live record the direction model got wrong on every candle: drift_decisions asks
    for its retraining with the live record as the reason."""
    root, instance, resources = loop["root"], loop["instance"], loop["resources"]
    targets = loop["daily"].output_for_node("targets").frame
    labelled = targets[targets["split"] == "test"].tail(120)
    version = ModelStore(root / "models").load("direction_predictor").version
    wrong = [
        {
            "symbol": row.symbol, "candle_time": row.timestamp.to_pydatetime(), "model_name": "direction_predictor",
            "model_version": version, "horizon": 5, "prediction": float(1 - row.target_direction), "p_up": None,
            "confidence": 0.9, "abstain": False, "reason": None, "output_json": "{}", "source": "test",
        }
        for row in labelled.itertuples()
    ]
    db = ResultsDB(f"sqlite:///{root / 'results.db'}")
    record_predictions(db, wrong)
    db.dispose()
    daily = run_daily_refresh(instance, source(BASE + 12), resources)
    decision = daily.output_for_node("drift_decisions")["direction_predictor"]
    assert decision["retrain"] and "live_performance" in [r["reason"] for r in decision["reasons"]]
    assert decision["live_drop"] > 0.5
